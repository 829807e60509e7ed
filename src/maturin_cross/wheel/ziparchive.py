"""The zip container, read and written in bounded memory: the central directory, each member's
data as a stream of chunks, and a writer that copies compressed bytes as they are.

Pure: no process, no printing. Only what wheels need: one disk, no encryption; stored, deflated,
bzip2 and lzma members read; zip64 (members or offsets past 4 GiB, more than 65,535 entries)
read and written. Every malformed structure raises :class:`ZipError` saying which.
"""

from __future__ import annotations

import array
import bz2
import io
import lzma
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import BinaryIO, NamedTuple, Protocol

from maturin_cross.support.lanes import Lane

CHUNK = 1 << 20
"""Bytes read, inflated or written at a time."""

STORED = 0
DEFLATED = 8
BZIP2 = 12
LZMA = 14

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_END64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_END_SIG = b"PK\x05\x06"
_END64_SIG = b"PK\x06\x06"
_LOCATOR64_SIG = b"PK\x06\x07"
_ZIP64_EXTRA = 0x0001
_LIMIT32 = 0xFFFFFFFF
_LIMIT16 = 0xFFFF
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x08
_DESCRIPTOR_SIG = b"PK\x07\x08"
_ENCRYPTED_FLAG = 0x01
_ZIP64_VERSION = 45
_UNIX = 3


class ZipError(Exception):
    """The archive, or one member of it, is not a readable zip; ``str()`` says what."""


class UnsupportedMethod(ZipError):
    """A member is compressed in a way this reader does not know."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One member, as the central directory describes it."""

    name: str
    raw_name: bytes
    """The name as the archive spells it: UTF-8 when flagged so, else code page 437."""
    version_made: int
    version_needed: int
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compressed_size: int
    size: int
    internal_attr: int
    external_attr: int
    extra: bytes
    """The central extra field without its zip64 record (the writer adds its own)."""
    comment: bytes
    header_offset: int
    data_start: int = field(default=-1, compare=False, repr=False)
    """Where the data starts (-1: not known), once the local header was checked against this
    record (:func:`read_directory` checks every one): read once, not again for each use."""
    local_extra: bytes = field(default=b"", compare=False, repr=False)
    """The local header's extra field without its zip64 record, with ``data_start``."""

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def date_time(self) -> tuple[int, int, int, int, int, int]:
        d, t = self.dos_date, self.dos_time
        return ((d >> 9) + 1980, (d >> 5) & 0xF, d & 0x1F, t >> 11, (t >> 5) & 0x3F, (t & 0x1F) * 2)

    @property
    def create_system(self) -> int:
        return self.version_made >> 8

    def renamed(self, name: str) -> Entry:
        """This entry under another name (UTF-8 flagged when it is not ASCII)."""
        if name.isascii():
            return replace(self, name=name, raw_name=name.encode("ascii"), data_start=-1)
        flags = self.flags | _UTF8_FLAG
        return replace(self, name=name, raw_name=name.encode("utf-8"), flags=flags, data_start=-1)


def _split_extra(extra: bytes) -> tuple[bytes, bytes | None]:
    """(the records other than zip64, the zip64 record's data or None)."""
    kept = bytearray()
    zip64 = None
    offset = 0
    while offset + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, offset)
        end = offset + 4 + size
        if kind == _ZIP64_EXTRA:
            zip64 = extra[offset + 4 : end]
        else:
            kept += extra[offset:end]
        offset = end
    kept += extra[offset:]  # a trailing fragment too short to be a record is kept as it was
    return bytes(kept), zip64


def _decode_name(raw: bytes, flags: int) -> str:
    if raw.isascii():  # the same in both: code page 437 is ASCII below 128
        return raw.decode("ascii")
    if not flags & _UTF8_FLAG:
        return raw.decode("cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ZipError(f"member {raw!r}: its name is flagged as UTF-8 but is not UTF-8") from None


@dataclass(frozen=True, slots=True)
class _End:
    """What the end records say: the central directory's place and size, the number of entries,
    the archive comment, and where the central directory must end (where the zip64 end record,
    or else the end record, starts)."""

    count: int
    cd_size: int
    cd_offset: int
    comment: bytes
    cd_end: int


def _find_end(stream: BinaryIO, file_size: int) -> _End:
    """The end records, checked to follow the central directory with nothing between them and
    nothing after the archive comment."""
    tail_size = min(file_size, _END.size + _LIMIT16)
    stream.seek(file_size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(_END_SIG)
    if at < 0:
        raise ZipError(
            "no end of central directory record (the file is not a zip, or is cut short)"
        )
    # The last signature is the record, as Python's zipfile (and so pip) takes it: one that is
    # cut short, or whose comment runs past the end, makes the file no zip for them either.
    if len(tail) - at < _END.size or (
        at + _END.size + struct.unpack_from("<H", tail, at + 20)[0] > len(tail)
    ):
        raise ZipError(
            "the end of central directory record is cut short, or bytes were added after it"
        )
    _, disk, _, _, count, cd_size, cd_offset, comment_size = _END.unpack_from(tail, at)
    if at + _END.size + comment_size != len(tail):
        extra = len(tail) - at - _END.size - comment_size
        raise ZipError(
            f"{extra} bytes follow the end of central directory record and its comment (a zip "
            "ends there; other readers may take them for part of the archive)"
        )
    comment = tail[at + _END.size : at + _END.size + comment_size]
    end_offset = file_size - tail_size + at
    cd_end = end_offset
    if disk not in (0, _LIMIT16):
        raise ZipError("a multi-disk archive")
    if end_offset >= _LOCATOR64.size:
        stream.seek(end_offset - _LOCATOR64.size)
        locator = stream.read(_LOCATOR64.size)
        if locator[:4] == _LOCATOR64_SIG:
            _, _, end64_offset, _ = _LOCATOR64.unpack(locator)
            record = b""
            if end64_offset + _END64.size <= end_offset:
                stream.seek(end64_offset)
                record = stream.read(_END64.size)
            if len(record) < _END64.size or record[:4] != _END64_SIG:
                raise ZipError("the zip64 end of central directory record is missing")
            _, record_size, _, _, _, _, _, count, cd_size, cd_offset = _END64.unpack(record)
            if end64_offset + 12 + record_size != end_offset - _LOCATOR64.size:
                raise ZipError(
                    "the zip64 end of central directory record and its locator do not follow "
                    "one another (bytes between them that no record accounts for)"
                )
            cd_end = end64_offset
    if cd_offset + cd_size > file_size:
        raise ZipError("the central directory lies past the end of the file")
    if cd_offset + cd_size != cd_end:
        raise ZipError(
            f"{abs(cd_end - cd_offset - cd_size)} bytes between the central directory and its "
            "end record that no record accounts for"
        )
    return _End(count, cd_size, cd_offset, comment, cd_end)


def read_directory(stream: BinaryIO, file_size: int) -> tuple[list[Entry], bytes]:
    """The entries of the central directory, in its order, and the archive comment; checked as
    the strictest installer checks them (see :func:`_check_layout`)."""
    end = _find_end(stream, file_size)
    count, cd_size, cd_offset = end.count, end.cd_size, end.cd_offset
    stream.seek(cd_offset)
    directory = stream.read(cd_size)
    entries: list[Entry] = []
    at = 0
    unpack = _CENTRAL.unpack_from
    # Times, dates, attributes and versions repeat from member to member: one int object for
    # each value, not one per member (memory grows with the number of members).
    shared: dict[int, int] = {}
    one = shared.setdefault
    while at + _CENTRAL.size <= len(directory):
        fields = unpack(directory, at)
        if fields[0] != _CENTRAL_SIG:
            break
        (_, made, needed, flags, method, dtime, ddate, crc, csize, size) = fields[:10]
        name_len, extra_len, comment_len, _disk, iattr, eattr, offset = fields[10:]
        start = at + _CENTRAL.size
        raw_name = directory[start : start + name_len]
        extra = directory[start + name_len : start + name_len + extra_len]
        entry_comment = directory[
            start + name_len + extra_len : start + name_len + extra_len + comment_len
        ]
        at = start + name_len + extra_len + comment_len
        kept, zip64 = _split_extra(extra) if extra else (b"", None)
        if zip64 is not None:
            values = iter(struct.unpack_from(f"<{len(zip64) // 8}Q", zip64))
            try:
                size = next(values) if size == _LIMIT32 else size
                csize = next(values) if csize == _LIMIT32 else csize
                offset = next(values) if offset == _LIMIT32 else offset
            except StopIteration:
                raise ZipError(
                    f"member {raw_name!r}: a zip64 extra field too short for its sizes"
                ) from None
        if flags & _ENCRYPTED_FLAG:
            raise ZipError(f"member {_decode_name(raw_name, flags)!r}: an encrypted member")
        entries.append(
            Entry(  # in the order of its fields (name, raw name, versions made and needed...)
                _decode_name(raw_name, flags),
                raw_name,
                one(made, made),
                one(needed, needed),
                one(flags, flags),
                method,
                one(dtime, dtime),
                one(ddate, ddate),
                crc,
                csize,
                size,
                one(iattr, iattr),
                one(eattr, eattr),
                kept,
                entry_comment,
                offset,
            )
        )
    if len(entries) != count:
        raise ZipError(
            f"the central directory holds {len(entries)} entries, its end record says {count}"
        )
    if at != len(directory):
        raise ZipError(
            f"the central directory holds {len(directory) - at} bytes after its {count} records "
            "that no record accounts for"
        )
    _check_layout(stream, entries, cd_offset)
    return entries, end.comment


def _check_layout(stream: BinaryIO, entries: list[Entry], cd_offset: int) -> None:
    """The members, walked in the order they lie in the file, tile it from its first byte to the
    central directory: each local header agrees with its central record (:func:`_local`), each
    member's header, data and data descriptor are followed at once by the next member's header,
    and the last by the central directory. Nothing precedes the first member, lies between two or
    after the last (a local entry hidden there is what a reader that walks local headers would
    unpack), and no two members share bytes (an overlapping archive unpacks far more than it
    holds). Bytes read: at most the file's size and one header more, whatever the records say."""
    ordered = sorted(entries, key=attrgetter("header_offset"))
    at = 0
    previous: Entry | None = None
    for number, entry in enumerate(ordered):
        if entry.header_offset >= cd_offset:
            raise ZipError(f"member {entry.name!r}: its data would lie past the central directory")
        if entry.header_offset < at:
            assert previous is not None  # at is 0 until a member was walked
            raise ZipError(
                f"members {previous.name!r} and {entry.name!r}: their data overlap (entries "
                "sharing bytes unpack to far more than the archive holds)"
            )
        if entry.header_offset > at:
            raise ZipError(_unaccounted(stream, at, entry.header_offset, previous, entry))
        following = ordered[number + 1].header_offset if number + 1 < len(ordered) else cd_offset
        local = _local(stream, entry)
        # Filled in once, before the entry is handed out: what later reads start from.
        object.__setattr__(entry, "data_start", local.data_start)
        object.__setattr__(entry, "local_extra", local.extra)
        end = local.data_start + entry.compressed_size
        if end > cd_offset:
            raise ZipError(f"member {entry.name!r}: its data would lie past the central directory")
        if entry.flags & _DESCRIPTOR_FLAG:
            end = _descriptor_end(stream, entry, end, local.zip64, min(following, cd_offset))
        at = end
        previous = entry
    if at != cd_offset:
        raise ZipError(_unaccounted(stream, at, cd_offset, previous, None))


def _unaccounted(
    stream: BinaryIO, start: int, stop: int, before: Entry | None, after: Entry | None
) -> str:
    """Says what lies between ``start`` and ``stop`` that no central record describes."""
    stream.seek(start)
    head = stream.read(min(stop - start, _LOCAL.size + _LIMIT16))
    if head[:4] == _LOCAL_SIG and len(head) >= _LOCAL.size:
        name_len = struct.unpack_from("<H", head, 26)[0]
        what = f"a local entry {_shown(head[_LOCAL.size : _LOCAL.size + name_len])}"
    else:
        what = f"{stop - start} bytes"
    if before is None and after is not None:
        where = f"before the first member {after.name!r}"
    elif after is None and before is not None:
        where = f"after the last member {before.name!r}"
    elif before is not None and after is not None:
        where = f"between members {before.name!r} and {after.name!r}"
    else:
        where = "before the central directory of an archive with no members"
    return (
        f"{what} that the central directory does not list lies {where} (a hidden entry: "
        "installers that read local headers would unpack it)"
    )


def _shown(raw: bytes) -> str:
    """A name found only in a local header, quoted for a message (at most 200 bytes of it)."""
    text = repr(raw[:200].decode("utf-8", "replace"))
    return text + "..." if len(raw) > 200 else text


class _LocalHeader(NamedTuple):
    """A member's local header, checked against its central record."""

    data_start: int
    extra: bytes
    """The local extra field without its zip64 record."""
    zip64: bool
    """The local header carries a zip64 record (its data descriptor's sizes are 8 bytes)."""


def _local(stream: BinaryIO, entry: Entry) -> _LocalHeader:
    """``entry``'s local header, which must agree with its central record on the name, the
    general-purpose flags, the method, the CRC-32 and both sizes; with a data descriptor
    (flag bit 3), the local CRC and sizes may be zero and the descriptor carries them."""
    stream.seek(entry.header_offset)
    # In one read when the name is the central record's and there is no extra field (the
    # usual case): the header, and as many bytes as that name.
    head = stream.read(_LOCAL.size + len(entry.raw_name))
    if len(head) < _LOCAL.size or head[:4] != _LOCAL_SIG:
        raise ZipError(f"member {entry.name!r}: its local header is missing")
    _, _, flags, method, _, _, crc, csize, size, name_len, extra_len = _LOCAL.unpack_from(head)
    rest = head[_LOCAL.size :]
    if len(rest) != name_len + extra_len:
        stream.seek(entry.header_offset + _LOCAL.size)
        rest = stream.read(name_len + extra_len)
    raw_name = rest[:name_len]
    kept, zip64 = _split_extra(rest[name_len:]) if extra_len else (b"", None)
    if zip64 is not None:
        values = iter(struct.unpack_from(f"<{len(zip64) // 8}Q", zip64))
        size = next(values, size) if size == _LIMIT32 else size
        csize = next(values, csize) if csize == _LIMIT32 else csize
    differ: list[str] = []
    if raw_name != entry.raw_name:
        differ.append(f"the name ({_shown(raw_name)})")
    if flags != entry.flags:
        differ.append(f"the flags ({flags:#06x}, the central directory says {entry.flags:#06x})")
    if method != entry.method:
        differ.append(f"the method ({method}, the central directory says {entry.method})")
    local = (crc, csize, size)
    central = (entry.crc, entry.compressed_size, entry.size)
    if local != central and not (entry.flags & _DESCRIPTOR_FLAG and local == (0, 0, 0)):
        differ.append(
            f"the CRC-32 and sizes ({crc:08x}, {csize}, {size}; the central directory says "
            f"{entry.crc:08x}, {entry.compressed_size}, {entry.size})"
        )
    if differ:
        raise ZipError(
            f"member {entry.name!r}: its local header differs from the central directory in "
            f"{', '.join(differ)}; readers that trust one or the other would unpack different "
            "files"
        )
    return _LocalHeader(
        entry.header_offset + _LOCAL.size + name_len + extra_len, kept, zip64 is not None
    )


def _descriptor_end(stream: BinaryIO, entry: Entry, start: int, zip64: bool, following: int) -> int:
    """Where ``entry``'s data descriptor, at ``start``, ends; it must repeat the central CRC-32
    and sizes. Its signature is optional and its sizes are 4 or 8 bytes: of the forms that
    agree, the one that ends where the next structure starts."""
    stream.seek(start)
    data = stream.read(24)
    wide, narrow = ("<IQQ", 20), ("<III", 12)
    ends: list[int] = []
    for signed in (True, False):
        offset = 4 if signed else 0
        if signed and data[:4] != _DESCRIPTOR_SIG:
            continue
        for layout, length in (wide, narrow) if zip64 else (narrow, wide):
            if len(data) < offset + length:
                continue
            values = struct.unpack_from(layout, data, offset)
            if values == (entry.crc, entry.compressed_size, entry.size):
                ends.append(start + offset + length)
    if not ends:
        raise ZipError(
            f"member {entry.name!r}: its data descriptor is missing or differs from the "
            "central directory"
        )
    return following if following in ends else ends[0]


def local_header(stream: BinaryIO, entry: Entry) -> tuple[int, bytes]:
    """(where ``entry``'s data starts, its local extra field without zip64), the header checked
    against ``entry`` (:func:`_local`; an entry :func:`read_directory` gave was checked there)."""
    if entry.data_start >= 0:
        return entry.data_start, entry.local_extra
    found = _local(stream, entry)
    return found.data_start, found.extra


def raw_chunks(stream: BinaryIO, start: int, length: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """``length`` bytes of ``stream`` from ``start``, ``chunk`` at a time."""
    stream.seek(start)
    left = length
    while left:
        data = stream.read(min(chunk, left))
        if not data:
            raise ZipError("its data is cut short")
        left -= len(data)
        yield data


class _Bounded(Protocol):
    """What bz2's and lzma's decompressors have in common."""

    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Inflater:
    """One member's decompressor, giving at most ``chunk`` bytes at a time."""

    def __init__(self, method: int, chunk: int) -> None:
        self.chunk = chunk
        self._zlib: zlib._Decompress | None = None
        self._other: _Bounded | None = None
        if method == DEFLATED:
            self._zlib = zlib.decompressobj(-15)
        elif method == BZIP2:
            self._other = bz2.BZ2Decompressor()
        elif method == LZMA:
            self._other = _LzmaZip()
        elif method != STORED:
            raise UnsupportedMethod(f"compression method {method} is not supported")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is not None:
            out = self._zlib.decompress(data, self.chunk)
            while out:
                yield out
                tail = self._zlib.unconsumed_tail
                out = self._zlib.decompress(tail, self.chunk) if tail else b""
        elif self._other is not None:
            if self._other.eof:
                return  # bytes after the end of the stream are not data
            out = self._other.decompress(data, self.chunk)
            while True:
                if out:
                    yield out
                if self._other.eof or self._other.needs_input:
                    break
                out = self._other.decompress(b"", self.chunk)
        else:
            yield data

    def finish(self) -> Iterator[bytes]:
        if self._zlib is not None:
            out = self._zlib.flush()
            if out:
                yield out
            if not self._zlib.eof:
                raise ZipError("its compressed data ends early")
        elif self._other is not None and not self._other.eof:
            raise ZipError("its compressed data ends early")


class _LzmaZip:
    """zip's lzma framing: a 4-byte header with the properties' size, then a raw LZMA1 stream."""

    def __init__(self) -> None:
        self._head = b""
        self._d: lzma.LZMADecompressor | None = None

    @property
    def eof(self) -> bool:
        return self._d is not None and self._d.eof

    @property
    def needs_input(self) -> bool:
        return self._d is None or self._d.needs_input

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        if self._d is None:
            self._head += data
            if len(self._head) < 4:
                return b""
            props_size = struct.unpack_from("<H", self._head, 2)[0]
            if len(self._head) < 4 + props_size:
                return b""
            props = self._head[4 : 4 + props_size]
            # The one way to turn zip's property bytes into a filter (zipfile does the same).
            decode = lzma._decode_filter_properties  # type: ignore[attr-defined]
            self._d = lzma.LZMADecompressor(
                lzma.FORMAT_RAW, filters=[decode(lzma.FILTER_LZMA1, props)]
            )
            data = self._head[4 + props_size :]
        return self._d.decompress(data, max_length)


class Crc:
    """A CRC-32 fed piece by piece (on a lane, or at once)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)


def data_chunks(
    stream: BinaryIO,
    entry: Entry,
    chunk: int = CHUNK,
    *,
    lane: Lane | None = None,
    raw_crc: Crc | None = None,
) -> Iterator[bytes]:
    """``entry``'s uncompressed data, at most about ``chunk`` bytes at a time, checked against
    its size and CRC-32 (ZipError when they differ or the data cannot be decompressed).
    ``raw_crc`` is fed the member's compressed bytes as they are read (what a copy of them must
    give), on ``lane`` if one is given, while the next piece is inflated here."""
    start, _ = local_header(stream, entry)
    inflater = _Inflater(entry.method, chunk)
    crc = Crc()
    size = 0

    def counted(out: bytes) -> bytes:
        nonlocal size
        size += len(out)
        if size > entry.size:
            raise ZipError(
                f"it decompresses to more than the {entry.size} bytes the central directory says"
            )
        crc.update(out)  # here, beside the inflating: the lane has the hash, the larger part
        return out

    try:
        for raw in raw_chunks(stream, start, entry.compressed_size, chunk):
            if raw_crc is not None:
                if lane is None:
                    raw_crc.update(raw)
                else:
                    lane.run(raw_crc.update, raw)
            for out in inflater.feed(raw):
                yield counted(out)
        for out in inflater.finish():
            yield counted(out)
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as err:
        # ValueError: lzma's filter properties that name no filter; OSError: bz2's bad data
        raise ZipError(f"its data cannot be decompressed ({err})") from err
    if lane is not None:
        lane.wait()
    if size != entry.size:
        raise ZipError(f"it decompresses to {size} bytes, the central directory says {entry.size}")
    if crc.value != entry.crc:
        raise ZipError(
            f"Bad CRC-32 (the data gives {crc.value:08x}, the archive says {entry.crc:08x})"
        )


def small_member(stream: BinaryIO, entry: Entry) -> tuple[bytes, int] | None:
    """A small stored or deflated member's data, whole, and the CRC-32 of its compressed bytes:
    :func:`data_chunks` in one step, with the same checks, for members of at most
    :data:`CHUNK` bytes either way (None for any other: stream it)."""
    if entry.method not in (STORED, DEFLATED) or max(entry.size, entry.compressed_size) > CHUNK:
        return None
    start, _ = local_header(stream, entry)
    stream.seek(start)
    raw = stream.read(entry.compressed_size)
    if len(raw) != entry.compressed_size:
        raise ZipError("its data is cut short")
    if entry.method == STORED:
        data = raw
    else:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(raw, entry.size + 1)  # one byte more: too much is seen
            data += inflater.flush() if not inflater.unconsumed_tail else b""
        except zlib.error as err:
            raise ZipError(f"its data cannot be decompressed ({err})") from err
        if len(data) > entry.size:
            raise ZipError(
                f"it decompresses to more than the {entry.size} bytes the central directory says"
            )
        if not inflater.eof:
            raise ZipError("its compressed data ends early")
    if len(data) != entry.size:
        raise ZipError(
            f"it decompresses to {len(data)} bytes, the central directory says {entry.size}"
        )
    crc = zlib.crc32(data)
    if crc != entry.crc:
        raise ZipError(f"Bad CRC-32 (the data gives {crc:08x}, the archive says {entry.crc:08x})")
    return data, crc if raw is data else zlib.crc32(raw)  # a stored member's bytes are its data


class MemberReader(io.RawIOBase):
    """A seekable, read-only view of one member's uncompressed data in bounded memory.

    A stored member is read in place. A compressed one is decompressed forward on demand in
    ``BLOCK``-sized pieces: the first ``HEAD`` bytes are kept once decompressed (ELF headers and
    dynamic symbols live there), and of the rest the most recently used ``CACHE`` bytes (the
    section headers at the end); a read behind the decompressor that is in neither starts it
    again from the member's start.
    """

    BLOCK = 1 << 16
    HEAD = 8 << 20
    CACHE = 16 << 20
    RESTARTS = 16
    """How many times the decompressor may start again: a reader sent back and forth across a
    large member (an ELF file whose headers point everywhere) would decompress it again for
    every read; past this it is refused, so reading it costs at most this many times its size."""

    def __init__(self, stream: BinaryIO, entry: Entry) -> None:
        super().__init__()
        self._stream = stream
        self._entry = entry
        self._start, _ = local_header(stream, entry)
        self._pos = 0
        self._head: dict[int, bytes] = {}
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._chunks: Iterator[bytes] | None = None
        self._next = 0  # the index of the block the decompressor gives next
        self._pending = bytearray()
        self._restarts = 0

    @property
    def size(self) -> int:
        return self._entry.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        if self._entry.method == STORED:
            self._stream.seek(self._start + self._pos)
            data = self._stream.read(end - self._pos)
        else:
            parts = []
            at = self._pos
            while at < end:
                index, offset = divmod(at, self.BLOCK)
                piece = self._block(index)[offset : offset + end - at]
                if not piece:
                    break
                parts.append(piece)
                at += len(piece)
            data = b"".join(parts)
        self._pos += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def sweep(
        self,
        sink: Callable[[bytes], object] | None = None,
        *,
        lane: Lane | None = None,
        raw_crc: Crc | None = None,
    ) -> int:
        """Decompress the whole member once, in order, in pieces of up to :data:`CHUNK` bytes,
        handing each to ``sink``; keeps the first ``HEAD`` bytes and the last ``CACHE`` (where
        an ELF file's headers are) for reads to come; checks size and CRC (``raw_crc`` is fed
        the compressed bytes, on ``lane`` if given). Returns the size."""
        tail = (max(0, self.size - self.CACHE) // self.BLOCK) * self.BLOCK
        zones = ((0, min(self.HEAD, self.size)), (max(tail, self.HEAD), self.size))
        pending = bytearray()
        pending_at = 0
        at = 0
        chunks = data_chunks(self._stream, self._entry, CHUNK, lane=lane, raw_crc=raw_crc)
        for chunk in chunks:
            if sink is not None:
                sink(chunk)
            end = at + len(chunk)
            for low, high in zones:
                start, stop = max(at, low), min(end, high)
                if start >= stop:
                    continue
                if pending_at + len(pending) != start:  # a zone begins (on a block's edge)
                    pending, pending_at = bytearray(), start
                pending += chunk[start - at : stop - at]
                whole = len(pending) - len(pending) % self.BLOCK
                if stop == self.size:
                    whole = len(pending)  # the last block may be short
                for offset in range(0, whole, self.BLOCK):
                    block = bytes(pending[offset : offset + self.BLOCK])
                    self._keep((pending_at + offset) // self.BLOCK, block)
                del pending[:whole]
                pending_at += whole
            at = end
        self._chunks = iter(())  # spent: a read of a block not kept starts again
        self._next = -(-self.size // self.BLOCK)
        return at

    def _block(self, index: int) -> bytes:
        found = self._head.get(index)
        if found is None:
            found = self._blocks.get(index)
            if found is not None:
                self._blocks.move_to_end(index)
        if found is not None:
            return found
        if self._chunks is None or self._next > index:
            if self._chunks is not None:
                self._restarts += 1
                if self._restarts > self.RESTARTS:
                    raise ZipError(
                        f"reading it went back to its start more than {self.RESTARTS} times (its "
                        "contents send a reader back and forth across it)"
                    )
            self._chunks = data_chunks(self._stream, self._entry, self.BLOCK)
            self._next = 0
            self._pending = bytearray()
        block = b""
        while self._next <= index:
            while len(self._pending) < self.BLOCK:
                data = next(self._chunks, None)
                if data is None:
                    break
                self._pending += data
            block = bytes(self._pending[: self.BLOCK])
            del self._pending[: self.BLOCK]
            self._keep(self._next, block)
            self._next += 1
            if not block:
                break
        return block

    def _keep(self, index: int, block: bytes) -> None:
        if index * self.BLOCK < self.HEAD:
            self._head[index] = block
            return
        self._blocks[index] = block
        self._blocks.move_to_end(index)
        while len(self._blocks) * self.BLOCK > self.CACHE:
            self._blocks.popitem(last=False)


# ------------------------------------------------------------------------------------------------
# Writing


class Writer:
    """Writes members one after the other, then the central directory and its end records."""

    def __init__(self, stream: BinaryIO, lane: Lane | None = None) -> None:
        self._stream = stream
        self._offset = 0
        self._lane = lane
        self.entries: list[Entry] = []
        """The entries written, in order, as given: the central directory gives each their
        name, sizes, CRC-32 and attributes, placed where it was written (:func:`_placed`)."""
        self._offsets = array.array("Q")
        """Where each entry's local header was written (8 bytes a member, not an entry each)."""

    @property
    def size(self) -> int:
        """The bytes written so far."""
        return self._offset

    def _write(self, data: bytes) -> None:
        self._stream.write(data)
        self._offset += len(data)

    def add_raw(self, entry: Entry, local_extra: bytes, chunks: Iterable[bytes] | bytes) -> int:
        """A member whose compressed data (``chunks``, or all of it in one ``bytes``) matches
        ``entry``'s CRC and sizes.
        Returns the CRC-32 of the compressed bytes as they were written (on the writer's lane,
        if it has one): what a copy of a member's bytes is checked by."""
        offset = self._offset
        flags, needed, big = _placed(entry)
        extra = local_extra
        sizes = (entry.compressed_size, entry.size)
        if big:
            extra = (
                struct.pack("<HHQQ", _ZIP64_EXTRA, 16, entry.size, entry.compressed_size) + extra
            )
            sizes = (_LIMIT32, _LIMIT32)
        header = _LOCAL.pack(
            _LOCAL_SIG,
            needed,
            flags,
            entry.method,
            entry.dos_time,
            entry.dos_date,
            entry.crc,
            *sizes,
            len(entry.raw_name),
            len(extra),
        )
        if isinstance(chunks, bytes):  # a small member, written with its header at once
            self._write(b"".join((header, entry.raw_name, extra, chunks)))
            if len(chunks) != entry.compressed_size:
                raise ZipError(
                    f"{entry.name}: {len(chunks)} bytes of data, expected {entry.compressed_size}"
                )
            self.entries.append(entry)
            self._offsets.append(offset)
            return zlib.crc32(chunks)
        self._write(header + entry.raw_name + extra)
        written = 0
        crc = Crc()
        for chunk in chunks:
            self._write(chunk)
            if self._lane is None:
                crc.update(chunk)
            else:
                self._lane.run(crc.update, chunk)
            written += len(chunk)
        if written != entry.compressed_size:
            raise ZipError(
                f"{entry.name}: {written} bytes of data, expected {entry.compressed_size}"
            )
        self.entries.append(entry)
        self._offsets.append(offset)
        if self._lane is not None:
            self._lane.wait()
        return crc.value

    def add_bytes(self, entry: Entry, local_extra: bytes, data: bytes) -> None:
        """A member with new contents ``data``, compressed with ``entry``'s method (deflate for
        anything but stored), keeping the rest of ``entry``'s metadata."""
        method = STORED if entry.method == STORED else DEFLATED
        if method == DEFLATED:
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            packed = compressor.compress(data) + compressor.flush()
        else:
            packed = data
        entry = replace(
            entry,
            method=method,
            crc=zlib.crc32(data),
            size=len(data),
            compressed_size=len(packed),
            version_needed=max(entry.version_needed, 20),
        )
        self.add_raw(entry, local_extra, packed)

    def finish(self, comment: bytes) -> None:
        cd_offset = self._offset
        for entry, offset in zip(self.entries, self._offsets, strict=True):
            self._write(_central_record(entry, offset))
        cd_size = self._offset - cd_offset
        count = len(self.entries)
        if count >= _LIMIT16 or cd_size >= _LIMIT32 or cd_offset >= _LIMIT32:
            end64_offset = self._offset
            self._write(
                _END64.pack(
                    _END64_SIG,
                    _END64.size - 12,
                    (_UNIX << 8) | _ZIP64_VERSION,
                    _ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    cd_offset,
                )
            )
            self._write(_LOCATOR64.pack(_LOCATOR64_SIG, 0, end64_offset, 1))
        self._write(
            _END.pack(
                _END_SIG,
                0,
                0,
                min(count, _LIMIT16),
                min(count, _LIMIT16),
                min(cd_size, _LIMIT32),
                min(cd_offset, _LIMIT32),
                len(comment),
            )
        )
        self._write(comment)


def _placed(entry: Entry) -> tuple[int, int, bool]:
    """The flags and version needed ``entry`` is written with (its data descriptor dropped: the
    writer puts the sizes and CRC-32 in the headers), and whether it needs zip64 sizes."""
    big = entry.size >= _LIMIT32 or entry.compressed_size >= _LIMIT32
    needed = max(entry.version_needed, _ZIP64_VERSION) if big else entry.version_needed
    return entry.flags & ~_DESCRIPTOR_FLAG, needed, big


def _central_record(entry: Entry, offset: int) -> bytes:
    """``entry``'s central directory record, its local header written at ``offset``."""
    flags, needed, _ = _placed(entry)
    zip64 = [value for value in (entry.size, entry.compressed_size, offset) if value >= _LIMIT32]
    extra = entry.extra
    made = entry.version_made
    if zip64:
        extra = struct.pack(f"<HH{len(zip64)}Q", _ZIP64_EXTRA, 8 * len(zip64), *zip64) + extra
        made = (made & 0xFF00) | max(made & 0xFF, _ZIP64_VERSION)
    return (
        _CENTRAL.pack(
            _CENTRAL_SIG,
            made,
            needed,
            flags,
            entry.method,
            entry.dos_time,
            entry.dos_date,
            entry.crc,
            min(entry.compressed_size, _LIMIT32),
            min(entry.size, _LIMIT32),
            len(entry.raw_name),
            len(extra),
            len(entry.comment),
            0,
            entry.internal_attr,
            entry.external_attr,
            min(offset, _LIMIT32),
        )
        + entry.raw_name
        + extra
        + entry.comment
    )
