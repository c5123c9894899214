"""The packed form of an environment: reproducible .tar.gz bytes, and reading them back safely.

Writing: entries sorted by path, regular files only, every timestamp zero (the gzip header's
too), owner 0/0 with no names, mode 0644, so the same files always give the same bytes.
Reading: every entry is checked before anything is written: regular files and folders only
(no links, devices or fifos), relative paths that stay inside the folder, no duplicates, and
limits on the archive size, the unpacked size and the number of entries; the archive is unpacked
within those limits, headers included, before tarfile reads a byte of it.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import RegistryError

__all__ = ["DEFAULT_LIMITS", "Limits", "read_archive", "write_archive", "write_tree"]

FILE_MODE = 0o644


@dataclass(frozen=True)
class Limits:
    """Bounds on what an archive may hold; anything beyond is refused, not truncated."""

    archive_bytes: int = 64 * 1024 * 1024
    unpacked_bytes: int = 256 * 1024 * 1024
    entries: int = 10_000


DEFAULT_LIMITS = Limits()


def write_archive(files: dict[str, bytes]) -> bytes:
    """A reproducible .tar.gz of `files` (relative POSIX path -> bytes)."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo(_checked_name(name, "packing"))
            info.size, info.mtime, info.mode = len(data), 0, FILE_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_archive(data: bytes, where: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """The files of a packed environment, every entry checked; `where` names the archive in errors."""
    if len(data) > limits.archive_bytes:
        raise RegistryError(f"{where} is {len(data)} bytes, over the {limits.archive_bytes}-byte limit; refused")
    files: dict[str, bytes] = {}
    folders: set[str] = set()
    total = 0
    try:
        stream = _gunzipped(data, where, limits)
        _small_extended_headers(stream, where)
        with tarfile.open(fileobj=io.BytesIO(stream), mode="r:") as tar:
            for count, member in enumerate(tar, start=1):
                if count > limits.entries:
                    raise RegistryError(f"{where} has more than {limits.entries} entries; refused")
                name = _checked_name(member.name, where)
                if name in files or name in folders:
                    raise RegistryError(f"{where}: entry {member.name!r} appears twice; refused")
                if member.isdir():
                    folders.add(name)
                    continue
                if not member.isreg():
                    raise RegistryError(
                        f"{where}: entry {member.name!r} is a {_kind(member)}, not a regular file; refused"
                    )
                total += member.size
                if total > limits.unpacked_bytes:
                    raise RegistryError(f"{where} unpacks to more than {limits.unpacked_bytes} bytes; refused")
                extracted = tar.extractfile(member)
                assert extracted is not None  # a regular file always has content
                files[name] = extracted.read()
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
        raise RegistryError(f"{where} is not a readable .tar.gz archive ({exc}); refused") from None
    clashes = sorted(p for p in files if any(str(parent) in files for parent in PurePosixPath(p).parents))
    if clashes:
        raise RegistryError(f"{where}: entry {clashes[0]!r} sits under a file of the same name; refused")
    return files


def _gunzipped(data: bytes, where: str, limits: Limits) -> bytes:
    """The tar stream inside `data`, refused as soon as it grows past what the limits allow: the files, a header
    and padding per entry, and room for long names (a header itself can be a bomb: tarfile reads it whole)."""
    cap = limits.unpacked_bytes + (limits.entries + 2) * _HEADER_ROOM
    stream, rest = bytearray(), data
    while rest:
        unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        stream += unpacker.decompress(rest, cap + 1 - len(stream))
        if len(stream) > cap or unpacker.unconsumed_tail:
            raise RegistryError(f"{where} unpacks to more than {cap} bytes of archive; refused")
        if not unpacker.eof:
            raise RegistryError(f"{where} is not a readable .tar.gz archive (it ends early); refused")
        rest = unpacker.unused_data
    return bytes(stream)


_HEADER_ROOM = 4096
"""Bytes of archive an entry may take beside its content: its header, an extended header, padding."""
_EXTENDED_HEADER = 8192
"""Most bytes of an extended header (a long name, PAX records): `write_archive` writes none near it, and Python's
`tarfile` takes time growing with the square of a PAX header's size to read it (a 4 KB archive: hours)."""


def _small_extended_headers(stream: bytes, where: str) -> None:
    """Refuse a tar stream holding an extended header (PAX `x`/`g`, GNU long name `L`/`K`) past
    `_EXTENDED_HEADER` bytes, walking the 512-byte headers before `tarfile` reads any."""
    offset = 0
    while offset + 512 <= len(stream):
        header = stream[offset : offset + 512]
        if not header.strip(b"\0"):
            return
        size = _header_size(header[124:136])
        if size is None:
            raise RegistryError(f"{where} is not a readable .tar.gz archive (an entry's size is unreadable); refused")
        if header[156:157] in (b"x", b"g", b"L", b"K") and size > _EXTENDED_HEADER:
            raise RegistryError(f"{where} holds an extended header of {size} bytes, over {_EXTENDED_HEADER}; refused")
        offset += 512 + -(-size // 512) * 512


def _header_size(field: bytes) -> int | None:
    """An entry's size as its header writes it: octal digits, or base-256 when the first byte's top bit is set."""
    if field[:1] and field[0] & 0x80:
        return int.from_bytes(field[1:], "big")
    digits = field.strip(b"\0 ")
    return int(digits, 8) if digits and all(48 <= b <= 55 for b in digits) else (0 if not digits else None)


def write_tree(files: dict[str, bytes], folder: Path) -> None:
    """Write checked files under `folder` (which must not exist yet): mode 0644, folders 0755."""
    folder.mkdir(mode=0o755)
    for name in sorted(files):
        path = folder.joinpath(*PurePosixPath(name).parts)
        path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        path.write_bytes(files[name])
        path.chmod(FILE_MODE)


def _checked_name(name: str, where: str) -> str:
    """The entry's path if it is relative, normalised and stays inside the folder; else refused."""
    path = PurePosixPath(name)
    unsafe = (
        not name
        or "\\" in name
        or "\0" in name
        or path.is_absolute()
        or any(part in ("..", ".", "") for part in name.rstrip("/").split("/"))
        or ":" in path.parts[0]
    )
    if unsafe:
        raise RegistryError(f"{where}: entry {name!r} is not a plain relative path inside the folder; refused")
    return str(path)


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symbolic link to {member.linkname!r}"
    if member.islnk():
        return f"hard link to {member.linkname!r}"
    return "device, fifo or other special entry"
