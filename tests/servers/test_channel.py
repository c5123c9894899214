"""The channel between a server and its tool workers: whole messages, any size, and an honest end."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import pytest
from autoforge.servers.channel import Channel


@pytest.fixture
def pair() -> tuple[Channel, Channel]:
    ours, theirs = socket.socketpair()
    left, right = Channel(ours.detach()), Channel(theirs.detach())
    yield left, right
    left.close()
    right.close()


def test_messages_arrive_whole_and_in_order(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    for message in (b"", b"one", b"x" * 10):
        left.send(message)
        assert right.ready(1)
        assert right.recv() == message


def test_a_message_larger_than_the_socket_buffer_arrives_whole(pair: tuple[Channel, Channel]) -> None:
    """A tool program's source can be megabytes: it is written while the other end reads."""
    left, right = pair
    big = bytes(range(256)) * 20_000  # 5 MB, far beyond one read and the socket's buffer
    writer = threading.Thread(target=left.send, args=(big,))
    writer.start()
    assert right.recv() == big
    writer.join()


def test_two_messages_read_in_one_go_are_still_two(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    left.send(b"first")
    left.send(b"second")
    assert right.recv() == b"first"
    assert right.ready(0)
    assert right.recv() == b"second"
    assert not right.ready(0)


def test_waiting_times_out_when_nothing_comes(pair: tuple[Channel, Channel]) -> None:
    _, right = pair
    assert not right.ready(0.01)


def test_a_message_sent_while_the_waiter_spins_is_seen(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    sender = threading.Timer(0.005, left.send, args=(b"soon",))
    sender.start()
    start = time.monotonic()
    assert right.ready(5, spin=1)
    assert time.monotonic() - start < 0.9  # seen when it came, not when the spin ended
    assert right.recv() == b"soon"
    sender.join()


def test_spinning_is_part_of_the_wait_not_added_to_it(pair: tuple[Channel, Channel]) -> None:
    _, right = pair
    start = time.monotonic()
    assert not right.ready(0.6, spin=0.5)
    waited = time.monotonic() - start
    assert 0.5 <= waited < 1.0  # 0.6 s in all, not 0.6 s after the spin


def test_the_other_end_closing_is_an_end_of_file(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    left.close()
    assert right.ready(1)  # a closed end wakes a waiter
    with pytest.raises(EOFError):
        right.recv()


def test_a_message_past_the_limit_is_refused_before_it_is_read() -> None:
    """A server's end takes no reply longer than a reply may be: a worker announcing 2 GB (one that got out of the
    interpreter's sandbox) makes the server allocate nothing; the channel reports it as the worker's failure."""
    ours, theirs = socket.socketpair()
    server, worker = Channel(ours.detach(), limit=1 << 20), theirs.detach()
    try:
        os.write(worker, struct.pack("!i", (1 << 31) - 1) + b"xx")
        with pytest.raises(OSError, match="at most"):
            server.recv()
    finally:
        server.close()
        os.close(worker)
