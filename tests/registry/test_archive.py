"""Archives: reproducible bytes on the way out, every entry checked on the way in."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from autoforge.servers import RegistryError
from autoforge.servers.registry import Limits, read_archive, write_archive
from hypothesis import given
from hypothesis import strategies as st

names = st.lists(
    st.from_regex(r"[a-z]{1,8}(/[a-z]{1,8}){0,2}\.txt", fullmatch=True), min_size=1, max_size=6, unique=True
)


@given(names, st.binary(max_size=64))
def test_writing_then_reading_gives_back_the_same_files(paths: list[str], payload: bytes) -> None:
    """read_archive(write_archive(files)) == files, and the bytes do not depend on insertion order."""
    files = {p: payload + p.encode() for p in paths}
    data = write_archive(files)
    assert read_archive(data, "test") == files
    assert write_archive(dict(reversed(list(files.items())))) == data


def test_headers_carry_no_time_owner_or_mode_of_the_machine() -> None:
    """The gzip header's mtime is zero and each entry has mtime 0, uid/gid 0, no owner names, mode 0644."""
    data = write_archive({"b.txt": b"2", "a.txt": b"1"})
    assert data[4:8] == b"\0\0\0\0"
    assert gzip.decompress(data)  # a plain gzip stream
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["a.txt", "b.txt"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, 0, "", "", 0o644)}


def _archive(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../up.txt", "a/../../up.txt", "/etc/passwd", "a\\b.txt", "./a.txt", "C:/x.txt"])
def test_paths_leaving_the_folder_are_refused(name: str) -> None:
    """Absolute, parent-relative, backslashed or drive-prefixed entry names are refused by name."""
    with pytest.raises(RegistryError, match="not a plain relative path"):
        read_archive(_archive((tarfile.TarInfo(name), b"x")), "evil.tar.gz")


def test_duplicates_and_files_shadowing_folders_are_refused() -> None:
    """The same path twice, or a file that is also a folder of another entry, is refused."""
    with pytest.raises(RegistryError, match="appears twice"):
        read_archive(_archive((tarfile.TarInfo("a.txt"), b"1"), (tarfile.TarInfo("a.txt"), b"2")), "dup")
    with pytest.raises(RegistryError, match="sits under a file"):
        read_archive(_archive((tarfile.TarInfo("a"), b"1"), (tarfile.TarInfo("a/b.txt"), b"2")), "shadow")


def test_size_and_entry_limits_are_enforced() -> None:
    """Archives over the compressed, unpacked or entry-count limit are refused, not truncated."""
    data = write_archive({"big.txt": b"0" * 10_000, "small.txt": b"1"})
    with pytest.raises(RegistryError, match="over the 100-byte limit"):
        read_archive(data, "a", Limits(archive_bytes=100))
    with pytest.raises(RegistryError, match="unpacks to more than 5000 bytes"):
        read_archive(data, "a", Limits(unpacked_bytes=5000))
    with pytest.raises(RegistryError, match="more than 1 entries"):
        read_archive(data, "a", Limits(entries=1))


def test_garbage_is_not_an_archive() -> None:
    """Bytes that are not a gzip-compressed tar are refused with a clear message."""
    with pytest.raises(RegistryError, match="not a readable .tar.gz"):
        read_archive(b"definitely not gzip", "junk.tar.gz")


def test_a_header_that_unpacks_past_the_limits_is_refused_before_it_is_read() -> None:
    """An extended header of 20 MB squeezed into a small archive (tarfile would read it whole into memory) is
    refused while the archive is unpacked, whatever the size its entries claim."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("env.json")
        info.pax_headers = {"comment": "x" * 20_000_000}
        tar.addfile(info, io.BytesIO(b""))
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(RegistryError, match="unpacks to more than"):
        read_archive(buffer.getvalue(), "bomb", Limits(unpacked_bytes=1_000_000, entries=10))
    assert read_archive(write_archive({"env.json": b"{}"}), "fine", Limits(unpacked_bytes=1_000_000, entries=10))


def test_an_extended_header_python_reads_in_quadratic_time_is_refused_before_it_is_read() -> None:
    """A PAX header of digits makes Python's tarfile backtrack (its reading time grows with the square of the
    header: a 4 KB archive took hours): one past 8 KiB is refused before tarfile sees it; a long name is fine."""
    header = b"1" * 400_000
    record = tarfile.TarInfo("././@PaxHeader")
    record.type, record.size = tarfile.XHDTYPE, len(header)
    stream = record.tobuf(tarfile.USTAR_FORMAT) + header + b"\0" * (-len(header) % 512) + b"\0" * 1024
    with pytest.raises(RegistryError, match="extended header of 400000 bytes"):
        read_archive(gzip.compress(stream), "pax")
    long_name = "a" * 200 + "/env.json"
    assert read_archive(write_archive({long_name: b"{}"}), "long") == {long_name: b"{}"}
