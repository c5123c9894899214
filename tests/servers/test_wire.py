"""What a worker sends back is read as data, never as a pickle: a worker out of its sandbox cannot run code here."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from autoforge.servers.worker import Reply, read_reply, reply_frame


class _Plants:
    """Unpickling this creates a file: what a pickle from a compromised worker could do to the server."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.path,))


def test_a_reply_round_trips_with_any_text() -> None:
    """Status, counters and a text holding newlines and non-ASCII come back as they were sent."""
    reply = Reply("ok", '{"note": "line one\\nline two", "name": "Zoë"}\nmore', {"loans": 3})
    assert read_reply(reply_frame(reply)) == reply
    assert read_reply(reply_frame(Reply("error", "no such member", None))) == Reply("error", "no such member", None)


def test_a_pickle_sent_as_a_reply_is_never_unpickled(tmp_path: Path) -> None:
    """A pickled object in place of a reply is a malformed reply (a crash of the tool); its code never runs."""
    planted = tmp_path / "planted"
    reply = read_reply(pickle.dumps(Reply("ok", "x", _Plants(planted))))  # type: ignore[arg-type]
    assert reply.status == "crash" and "malformed" in reply.text
    assert not planted.exists()


@pytest.mark.parametrize(
    "frame",
    [b"", b"ok", b"done\n\ntext", b'ok\n{"n": "1"}\ntext', b"ok\n[1, 2]\ntext", b"ok\n{broken\ntext", b"\xff\n\ntext"],
)
def test_a_malformed_reply_is_a_crash(frame: bytes) -> None:
    """An unknown status, counters that are not names to integers, or broken JSON: a crash, never an exception."""
    reply = read_reply(frame)
    assert reply.status == "crash" and "malformed" in reply.text
