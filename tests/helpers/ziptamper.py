"""Real wheels with their zip bytes edited: local headers that disagree with the central
directory, local entries the central directory hides, members that overlap. Written with the
standard library alone (struct), never with ``maturin_cross.wheel``, so the reader is not checked
against itself. Archives without zip64 only, as wheelmaker writes them."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

_LOCAL_FIELDS = {"flags": (6, "H"), "method": (8, "H"), "crc": (14, "I")}
_LOCAL_FIELDS |= {"compressed_size": (18, "I"), "size": (22, "I")}


def _end(data: bytes) -> int:
    at = data.rfind(b"PK\x05\x06")
    assert at >= 0
    return at


def _central(data: bytes) -> list[int]:
    """Where each central record starts."""
    end = _end(data)
    count, _, offset = struct.unpack_from("<HII", data, end + 10)
    records = []
    for _ in range(count):
        assert data[offset : offset + 4] == b"PK\x01\x02"
        records.append(offset)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, offset + 28)
        offset += 46 + name_len + extra_len + comment_len
    return records


def _record_name(data: bytes, record: int) -> bytes:
    name_len = struct.unpack_from("<H", data, record + 28)[0]
    return data[record + 46 : record + 46 + name_len]


def local_entry(name: str, payload: bytes) -> bytes:
    """A complete stored local entry (header and data) that no central record describes."""
    raw = name.encode()
    crc = zlib.crc32(payload)
    header = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(payload), len(payload),
        len(raw), 0,
    )  # fmt: skip
    return header + raw + payload


def insert_at(path: Path, at: int, blob: bytes) -> None:
    """``blob`` inserted at byte ``at`` (before the central directory), every offset after it
    moved so that the central directory still describes every member."""
    data = bytearray(path.read_bytes())
    records = _central(bytes(data))
    end = _end(bytes(data))
    for record in records:
        (offset,) = struct.unpack_from("<I", data, record + 42)
        if offset >= at:
            struct.pack_into("<I", data, record + 42, offset + len(blob))
    (cd_offset,) = struct.unpack_from("<I", data, end + 16)
    assert at <= cd_offset
    struct.pack_into("<I", data, end + 16, cd_offset + len(blob))
    path.write_bytes(bytes(data[:at]) + blob + bytes(data[at:]))


def member_offset(path: Path, name: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo(name).header_offset


def central_directory_offset(path: Path) -> int:
    data = path.read_bytes()
    return int(struct.unpack_from("<I", data, _end(data) + 16)[0])


def hide(path: Path, where: str, name: str = "evil.pth", payload: bytes = b"import os\n") -> None:
    """A local entry ``name`` that the central directory does not list, put ``before`` the first
    member, ``between`` the first two or ``after`` the last."""
    with zipfile.ZipFile(path) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    at = {
        "before": 0,
        "between": infos[1].header_offset,
        "after": central_directory_offset(path),
    }[where]
    insert_at(path, at, local_entry(name, payload))


def set_local(path: Path, name: str, **fields: int) -> None:
    """Fields of ``name``'s local header (flags, method, crc, compressed_size, size) set."""
    data = bytearray(path.read_bytes())
    at = member_offset(path, name)
    for field, value in fields.items():
        offset, kind = _LOCAL_FIELDS[field]
        struct.pack_into("<" + kind, data, at + offset, value)
    path.write_bytes(bytes(data))


def get_local(path: Path, name: str, field: str) -> int:
    offset, kind = _LOCAL_FIELDS[field]
    data = path.read_bytes()
    return int(struct.unpack_from("<" + kind, data, member_offset(path, name) + offset)[0])


def rename_local(path: Path, name: str, new: str) -> None:
    """``name``'s local header names ``new`` (of the same length); its central record does not."""
    assert len(new.encode()) == len(name.encode())
    data = bytearray(path.read_bytes())
    at = member_offset(path, name) + 30
    data[at : at + len(new.encode())] = new.encode()
    path.write_bytes(bytes(data))


def point_at(path: Path, name: str, other: str) -> None:
    """``name``'s central record points at ``other``'s local header (two records, one entry)."""
    data = bytearray(path.read_bytes())
    target = member_offset(path, other)
    for record in _central(bytes(data)):
        if _record_name(bytes(data), record) == name.encode():
            struct.pack_into("<I", data, record + 42, target)
    path.write_bytes(bytes(data))


class _Unseekable:
    """A file zipfile cannot seek in: it writes every member with a data descriptor."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 (closed by close())
        self._at = 0

    def write(self, data: bytes) -> int:
        self._at += len(data)
        return self._file.write(data)

    def tell(self) -> int:
        return self._at

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def with_descriptors(path: Path) -> None:
    """``path`` written again as a streaming writer writes it: each member's CRC and sizes in a
    data descriptor after its data, zero in its local header."""
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    stream = _Unseekable(path)
    with zipfile.ZipFile(stream, "w") as new:
        for info, data in members:
            with new.open(info, "w") as member:
                member.write(data)
    stream.close()


def as_zip64(path: Path) -> None:
    """``path`` written again with a zip64 record in every member's local header."""
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for info, data in members:
            with new.open(info, "w", force_zip64=True) as member:
                member.write(data)
