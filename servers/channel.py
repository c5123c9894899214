"""The pipe between a server and a tool worker: length-prefixed messages over one socket of a pair.

Leaner than `multiprocessing.connection.Connection` on the per-call path, which is what each tool
call pays twice: a message small enough for one buffer costs one system call to send and one to
receive, and waiting for a message polls a `select.poll` made once, not a selector per wait.
The framing is `multiprocessing`'s (a 4-byte big-endian length, then the bytes).
"""

from __future__ import annotations

import math
import os
import select
import struct
import time

__all__ = ["Channel"]

_HEADER = struct.Struct("!i")
_CHUNK = 1 << 16
_LARGEST_READ = 1 << 24
"""The most one read asks for: a message's announced length is not allocated before its bytes arrive."""
_YIELDED = 20e-6
"""A yield that returns later than this ran another process in between: the spinner's CPU is wanted."""


class Channel:
    """One end of a socket pair, owning its file descriptor."""

    __slots__ = ("_fd", "_limit", "_pending", "_poll")

    def __init__(self, fd: int, limit: int | None = None) -> None:
        self._fd = fd
        self._limit = limit
        """The longest message this end takes (a server's end of a worker's pipe: what a reply may be)."""
        self._pending = b""
        """Bytes received past the last message (the start of the next one)."""
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def fileno(self) -> int:
        return self._fd

    def send(self, data: bytes) -> None:
        """Send one message whole (raises OSError when the other end is gone)."""
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self._fd, view) :]

    def recv(self) -> bytes:
        """The next message, waiting for it; EOFError when the other end has closed, OSError when it announces a
        message past this end's limit (nothing of it is read into memory)."""
        buffer = self._pending or self._read()
        while len(buffer) < _HEADER.size:
            buffer += self._read()
        length = _HEADER.unpack_from(buffer)[0]
        if length < 0 or (self._limit is not None and length > self._limit):
            raise OSError(f"the other end sent a message of {length} bytes; this end takes at most {self._limit}")
        end = _HEADER.size + length
        if len(buffer) < end:  # a long message: gathered in one growing buffer, not copied again with each part
            gathered = bytearray(buffer)
            while len(gathered) < end:
                gathered += self._read(min(max(_CHUNK, end - len(gathered)), _LARGEST_READ))
            buffer = bytes(gathered)
        self._pending = buffer[end:]
        return buffer[_HEADER.size : end]

    def ready(self, timeout: float, spin: float = 0.0) -> bool:
        """Whether a message (or the other end's closing) arrives within `timeout` seconds.

        The first `spin` seconds of the wait poll without sleeping, yielding the CPU between polls: on a
        virtual machine, waking a process that slept costs tens of microseconds, more than a short tool
        call, so a reply expected that soon is better watched for than slept on. A yield that let another
        process run ends the spin early (the CPU is wanted); the wait goes on asleep.
        """
        if self._pending:
            return True
        if spin > 0:
            start = time.perf_counter()
            while not self._poll.poll(0):
                before = time.perf_counter()
                if before - start >= spin:
                    break
                os.sched_yield()
                if time.perf_counter() - before > _YIELDED:
                    break  # the yield ran another process: the CPU is wanted, so sleep as usual
            else:
                return True
            timeout -= time.perf_counter() - start
        return bool(self._poll.poll(math.ceil(max(timeout, 0.0) * 1000)))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _read(self, size: int = _CHUNK) -> bytes:
        data = os.read(self._fd, size)
        if not data:
            raise EOFError("the other end of the channel closed")
        return data
