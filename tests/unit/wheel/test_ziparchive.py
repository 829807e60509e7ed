"""wheel/ziparchive.py: the central directory read as zipfile reads it, members streamed and checked, and an
archive written that zipfile reads back, zip64 included (entries past 65,535, sizes and offsets
past 4 GiB: the large ones written sparse, so they cost no disk and no time)."""

from __future__ import annotations

import io
import stat
import sys
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import bigwheel
import pytest
import ziptamper
from wheelmaker import make_wheel

from maturin_cross.support.lanes import Lane
from maturin_cross.wheel import ziparchive

BIG = (1 << 32) + (5 << 20)
"""A size past 4 GiB."""
ZERO_BLOCK = bytes(1 << 20)


def zipfile_view(info: zipfile.ZipInfo) -> tuple[object, ...]:
    return (
        info.filename,
        info.date_time,
        info.compress_type,
        info.CRC,
        info.compress_size,
        info.file_size,
        info.external_attr,
        info.internal_attr,
        info.header_offset,
        info.comment,
    )


def our_view(entry: ziparchive.Entry) -> tuple[object, ...]:
    return (
        entry.name,
        entry.date_time,
        entry.method,
        entry.crc,
        entry.compressed_size,
        entry.size,
        entry.external_attr,
        entry.internal_attr,
        entry.header_offset,
        entry.comment,
    )


def read_directory(path: Path) -> tuple[list[ziparchive.Entry], bytes]:
    with open(path, "rb") as stream:
        return ziparchive.read_directory(stream, path.stat().st_size)


def test_the_directory_reads_as_zipfile_reads_it(tmp_path: Path) -> None:
    path = make_wheel(
        tmp_path,
        files={"rpds/é.txt": b"utf8", "rpds/data": (b"x" * 5000, 0o600)},
        stored={"rpds/data"},
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"the archive comment"
    entries, comment = read_directory(path)
    with zipfile.ZipFile(path) as archive:
        assert [our_view(e) for e in entries] == [zipfile_view(i) for i in archive.infolist()]
        assert comment == archive.comment == b"the archive comment"
        for entry in entries:
            with open(path, "rb") as stream:
                assert b"".join(ziparchive.data_chunks(stream, entry)) == archive.read(entry.name)


def test_a_damaged_member_fails_its_crc(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, files={"rpds/data.bin": b"A" * 64}, stored={"rpds/data.bin"})
    path.write_bytes(path.read_bytes().replace(b"A" * 64, b"B" + b"A" * 63))
    (entry,) = [e for e in read_directory(path)[0] if e.name == "rpds/data.bin"]
    with open(path, "rb") as stream, pytest.raises(ziparchive.ZipError, match="Bad CRC-32"):
        b"".join(ziparchive.data_chunks(stream, entry))


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_a_member_reader_seeks_anywhere(tmp_path: Path, method: int) -> None:
    data = b"".join(bigwheel.filler(3 * (1 << 20) + 12345))
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("member", data)
    (entry,) = read_directory(path)[0]
    with open(path, "rb") as file:
        reader = ziparchive.MemberReader(file, entry)
        reader.HEAD = reader.CACHE = 1 << 17  # small caches: reads behind force restarts
        assert reader.sweep() == len(data)
        for start, length in [(len(data) - 100, 500), (10, 100), (2_000_000, 70_000), (0, 5)]:
            reader.seek(start)
            assert reader.read(length) == data[start : start + length]
        reader.seek(-7, io.SEEK_END)
        assert reader.read() == data[-7:]


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_compression_bomb_comes_out_in_bounded_pieces(tmp_path: Path, method: int) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("zeros", bytes(3 << 20))
    (entry,) = read_directory(path)[0]
    with open(path, "rb") as stream:
        sizes = [len(chunk) for chunk in ziparchive.data_chunks(stream, entry)]
    assert sum(sizes) == 3 << 20
    assert max(sizes) <= ziparchive.CHUNK


class SparseFile:
    """Writes, except the zero blocks, which it skips: the file gets a hole there."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> int:
        if data is ZERO_BLOCK:
            self.stream.seek(len(data), io.SEEK_CUR)
        else:
            self.stream.write(data)
        return len(data)


def stored_zeros(name: str, size: int) -> ziparchive.Entry:
    crc = 0
    left = size
    while left:  # the CRC of `size` zero bytes, a block at a time
        step = min(left, len(ZERO_BLOCK))
        crc = zlib.crc32(ZERO_BLOCK[:step], crc)
        left -= step
    return template(name, ziparchive.STORED, crc, size, size)


def template(name: str, method: int, crc: int, compressed: int, size: int) -> ziparchive.Entry:
    return ziparchive.Entry(
        name=name,
        raw_name=name.encode(),
        version_made=(3 << 8) | 20,
        version_needed=20,
        flags=0,
        method=method,
        dos_time=0x6000,
        dos_date=0x5821,
        crc=crc,
        compressed_size=compressed,
        size=size,
        internal_attr=0,
        external_attr=(stat.S_IFREG | 0o644) << 16,
        extra=b"",
        comment=b"",
        header_offset=0,
    )


def zero_blocks(size: int) -> list[bytes]:
    blocks = [ZERO_BLOCK] * (size // len(ZERO_BLOCK))
    return [*blocks, bytes(size % len(ZERO_BLOCK))] if size % len(ZERO_BLOCK) else blocks


@pytest.mark.skipif(sys.platform != "linux", reason="sparse files as Linux makes them")
def test_sizes_and_offsets_past_4_gib_are_written_as_zip64(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    big = stored_zeros("big.bin", BIG)
    with open(path, "wb") as stream:
        writer = ziparchive.Writer(SparseFile(stream))  # type: ignore[arg-type]
        writer.add_bytes(template("first.txt", ziparchive.DEFLATED, 0, 0, 0), b"", b"first\n")
        writer.add_raw(big, b"", iter(zero_blocks(BIG)))
        writer.add_bytes(template("after.txt", ziparchive.DEFLATED, 0, 0, 0), b"", b"after\n" * 100)
        writer.finish(b"comment")
    assert path.stat().st_blocks * 512 < 100 << 20  # the zeros are a hole

    with zipfile.ZipFile(path) as archive:  # zipfile is the judge
        infos = {info.filename: info for info in archive.infolist()}
        assert infos["big.bin"].file_size == infos["big.bin"].compress_size == BIG
        assert infos["after.txt"].header_offset > BIG
        assert archive.read("first.txt") == b"first\n"
        assert archive.read("after.txt") == b"after\n" * 100
        assert archive.comment == b"comment"
    entries, comment = read_directory(path)
    assert [our_view(e) for e in entries] == [zipfile_view(infos[e.name]) for e in entries]
    assert comment == b"comment"


def test_more_than_65535_entries_are_written_as_zip64(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    count = 70_000
    with open(path, "wb") as stream:
        writer = ziparchive.Writer(stream)
        for number in range(count):
            writer.add_bytes(
                template(f"f/{number}", ziparchive.STORED, 0, 0, 0), b"", b"%d" % number
            )
        writer.finish(b"")
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) == count
        assert archive.read("f/69999") == b"69999"
        assert archive.testzip() is None
    entries, _ = read_directory(path)
    assert [e.name for e in entries] == [f"f/{n}" for n in range(count)]


def test_zipfiles_own_zip64_archives_are_read(tmp_path: Path) -> None:
    path = tmp_path / "forced.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("forced", "w", force_zip64=True) as member:
            member.write(b"zip64 local header\n")
        archive.writestr("plain", b"plain")
    entries, _ = read_directory(path)
    with open(path, "rb") as stream:
        assert [b"".join(ziparchive.data_chunks(stream, e)) for e in entries] == [
            b"zip64 local header\n",
            b"plain",
        ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"not a zip at all", "no end of central directory record"),
        (b"PK\x05\x06" + bytes(8) + b"\x10\x00\x00\x00\xff\xff\x00\x00" + bytes(2), "past the end"),
    ],
)
def test_what_is_not_a_zip_says_why(tmp_path: Path, data: bytes, fragment: str) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(data)
    with pytest.raises(ziparchive.ZipError, match=fragment):
        read_directory(path)


def test_an_end_signature_too_near_the_end_is_no_end_record(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"junk" * 10 + ziparchive._END_SIG + bytes(10))
    with pytest.raises(ziparchive.ZipError, match="end of central directory record is cut short"):
        read_directory(path)


def test_the_last_end_signature_is_the_record_as_zipfile_takes_it(tmp_path: Path) -> None:
    # A real zip with the signature appended: Python's zipfile (and pip) take the last one and
    # call the file no zip; reading it as the earlier, complete record would be a second reading.
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", b"a")
    path.write_bytes(path.read_bytes() + ziparchive._END_SIG)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    with pytest.raises(ziparchive.ZipError, match="cut short, or bytes were added after it"):
        read_directory(path)


def test_a_zip64_locator_past_the_end_is_refused(tmp_path: Path) -> None:
    locator = ziparchive._LOCATOR64.pack(ziparchive._LOCATOR64_SIG, 0, 1 << 63, 1)
    end = ziparchive._END.pack(ziparchive._END_SIG, 0, 0, 0, 0, 0, 0, 0)
    path = tmp_path / "x.zip"
    path.write_bytes(locator + end)
    with pytest.raises(
        ziparchive.ZipError, match="zip64 end of central directory record is missing"
    ):
        read_directory(path)


def rewrite_central(path: Path, name: str, **changes: int) -> None:
    """Change fields of ``name``'s central directory record (compressed_size, size,
    header_offset) in place."""
    data = bytearray(path.read_bytes())
    raw = name.encode()
    at = data.find(ziparchive._CENTRAL_SIG)
    while at >= 0:
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == raw:
            break
        at = data.find(ziparchive._CENTRAL_SIG, at + 4)
    assert at >= 0, name
    offsets = {"compressed_size": 20, "size": 24, "header_offset": 42}
    for field, value in changes.items():
        data[at + offsets[field] : at + offsets[field] + 4] = value.to_bytes(4, "little")
    path.write_bytes(bytes(data))


LOCAL_FIELDS = {"flags": (6, 2), "method": (8, 2), "crc": (14, 4), "compressed_size": (18, 4)}
LOCAL_FIELDS["size"] = (22, 4)


def rewrite_local(path: Path, name: str, **changes: int) -> None:
    """Change fields of ``name``'s local header (flags, method, crc, compressed_size, size) in
    place."""
    data = bytearray(path.read_bytes())
    at = data.find(ziparchive._LOCAL_SIG)
    while at >= 0:
        name_len = int.from_bytes(data[at + 26 : at + 28], "little")
        if data[at + 30 : at + 30 + name_len] == name.encode():
            break
        at = data.find(ziparchive._LOCAL_SIG, at + 4)
    assert at >= 0, name
    for field, value in changes.items():
        offset, width = LOCAL_FIELDS[field]
        data[at + offset : at + offset + width] = value.to_bytes(width, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_member_that_inflates_past_its_size_stops_there(tmp_path: Path, method: int) -> None:
    """A bomb that declares 1,000 bytes: never more than that is handed out, and the reading
    stops as soon as there is more."""
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("zeros", bytes(8 << 20))
    rewrite_central(path, "zeros", size=1000)
    rewrite_local(path, "zeros", size=1000)  # the two headers agree, and lie
    (entry,) = read_directory(path)[0]
    handed: list[int] = []
    with (
        open(path, "rb") as stream,
        pytest.raises(
            ziparchive.ZipError,
            match="decompresses to more than the 1000 bytes the central directory says",
        ),
    ):
        for chunk in ziparchive.data_chunks(stream, entry):
            handed.append(len(chunk))
    assert sum(handed) <= 1000


def test_members_that_overlap_are_refused(tmp_path: Path) -> None:
    """Two entries sharing one member's data (an overlapping zip bomb's trick)."""
    path = tmp_path / "overlap.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a", b"a" * 100)
        archive.writestr("b", b"b" * 100)
    rewrite_central(path, "b", header_offset=0)
    with pytest.raises(ziparchive.ZipError, match="overlap"):
        read_directory(path)


def test_a_member_past_the_central_directory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a", b"a" * 100)
    rewrite_central(path, "a", header_offset=0x7FFFFFFF)
    with pytest.raises(
        ziparchive.ZipError, match=r"^member 'a': its data would lie past the central directory"
    ):
        read_directory(path)


def test_a_name_flagged_utf8_that_is_not_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/é.py", b"")  # zipfile flags a non-ASCII name as UTF-8
    path.write_bytes(path.read_bytes().replace("é".encode(), b"\xff\xfe"))
    with pytest.raises(
        ziparchive.ZipError, match=r"^member b'pkg/\\xff\\xfe.py': its name is flagged as UTF-8"
    ):
        read_directory(path)


def corrupt_data(path: Path, name: str) -> None:
    """Flip bytes in the middle of ``name``'s compressed data."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    for at in range(middle - 8, middle + 8):
        data[at] ^= 0x55
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_corrupt_compressed_data_is_a_zip_error(tmp_path: Path, method: int) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("member", b"".join(bigwheel.filler(200_000)))
    corrupt_data(path, "member")
    (entry,) = read_directory(path)[0]
    with open(path, "rb") as stream, pytest.raises(ziparchive.ZipError):
        b"".join(ziparchive.data_chunks(stream, entry))


def test_lzma_properties_that_make_no_filter_are_a_zip_error(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("member", b"data" * 100)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("member")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 4] = 0xFF  # the lc/lp/pb byte: no such LZMA1 filter
    path.write_bytes(bytes(data))
    (entry,) = read_directory(path)[0]
    with (
        open(path, "rb") as stream,
        pytest.raises(ziparchive.ZipError, match="cannot be decompressed"),
    ):
        b"".join(ziparchive.data_chunks(stream, entry))


# --- read as the strictest installer reads it: local headers against the central directory ------

INIT = "rpds/__init__.py"
MODULE = "rpds/rpds.cpython-311-x86_64-linux-gnu.so"
RECORD = "rpds-0.1.0.dist-info/RECORD"


def a_wheel(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    return make_wheel(folder)


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("before", "lies before the first member 'rpds/__init__.py'"),
        ("between", f"lies between members 'rpds/__init__.py' and '{MODULE}'"),
        ("after", f"lies after the last member '{RECORD}'"),
    ],
)
def test_a_local_entry_the_central_directory_hides_is_refused(
    tmp_path: Path, where: str, says: str
) -> None:
    """Python's zipfile reads these wheels without a word; a reader that walks local headers
    unpacks ``evil.pth``."""
    path = a_wheel(tmp_path)
    ziptamper.hide(path, where)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert "evil.pth" not in archive.namelist()
    with pytest.raises(ziparchive.ZipError) as refused:
        read_directory(path)
    assert str(refused.value) == (
        f"a local entry 'evil.pth' that the central directory does not list {says} (a hidden "
        "entry: installers that read local headers would unpack it)"
    )


def test_bytes_that_are_no_entry_are_refused_as_well(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    ziptamper.insert_at(path, ziptamper.member_offset(path, MODULE), b"\x00" * 7)
    with pytest.raises(ziparchive.ZipError, match=r"^7 bytes that the central directory does not"):
        read_directory(path)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("crc", 5, "the CRC-32 and sizes (00000005, "),
        ("compressed_size", 1, "the CRC-32 and sizes ("),
        ("size", 1 << 20, "the CRC-32 and sizes ("),
        ("flags", 0x0008, "the flags (0x0008, the central directory says 0x0000)"),
        ("method", zipfile.ZIP_STORED, "the method (0, the central directory says 8)"),
    ],
)
def test_a_local_header_that_differs_from_its_central_record_is_refused(
    tmp_path: Path, field: str, value: int, says: str
) -> None:
    path = a_wheel(tmp_path)
    ziptamper.set_local(path, INIT, **{field: value})
    with pytest.raises(ziparchive.ZipError) as refused:
        read_directory(path)
    message = str(refused.value)
    assert message.startswith(
        f"member '{INIT}': its local header differs from the central directory in {says}"
    )
    assert message.endswith("readers that trust one or the other would unpack different files")


def test_a_local_name_that_differs_is_refused(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    ziptamper.rename_local(path, INIT, "rpds/__init__.pth"[:16])
    with pytest.raises(
        ziparchive.ZipError,
        match=r"^member 'rpds/__init__\.py': its local header differs .* in the name "
        r"\('rpds/__init__\.pt'\)",
    ):
        read_directory(path)


def test_two_records_of_one_entry_are_refused(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    ziptamper.point_at(path, RECORD, INIT)
    with pytest.raises(ziparchive.ZipError, match=r"their data overlap|does not list"):
        read_directory(path)


def test_data_descriptors_that_agree_are_read(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    expected = {name: zipfile.ZipFile(path).read(name) for name in (INIT, MODULE, RECORD)}
    ziptamper.with_descriptors(path)
    assert ziptamper.get_local(path, INIT, "flags") & 0x08
    assert ziptamper.get_local(path, INIT, "crc") == 0
    entries, _ = read_directory(path)
    with open(path, "rb") as stream:
        for entry in entries:
            if entry.name in expected:
                assert b"".join(ziparchive.data_chunks(stream, entry)) == expected[entry.name]


def test_a_data_descriptor_that_differs_is_refused(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    ziptamper.with_descriptors(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(INIT)
    descriptor = info.header_offset + 30 + len(INIT) + len(info.extra) + info.compress_size
    assert data[descriptor : descriptor + 4] == b"PK\x07\x08"
    data[descriptor + 4] ^= 0xFF  # its CRC-32
    path.write_bytes(bytes(data))
    with pytest.raises(
        ziparchive.ZipError,
        match=rf"^member '{INIT}': its data descriptor is missing or differs from the central",
    ):
        read_directory(path)


def test_zip64_local_headers_are_read(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    ziptamper.as_zip64(path)
    entries, _ = read_directory(path)
    assert [entry.name for entry in entries][:2] == [INIT, MODULE]


def test_bytes_after_the_archive_comment_are_refused(tmp_path: Path) -> None:
    path = a_wheel(tmp_path)
    path.write_bytes(path.read_bytes() + b"hidden")
    with pytest.raises(ziparchive.ZipError, match=r"^6 bytes follow the end of central directory"):
        read_directory(path)


def test_a_member_read_back_and_forth_is_refused_past_its_restarts(tmp_path: Path) -> None:
    """Reads behind the decompressor, past what it keeps, start it again: a bounded number of
    times, so that reading a member costs at most that many times its size."""
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big", bytes(60 << 20))
    (entry,) = read_directory(path)[0]
    with open(path, "rb") as stream:
        reader = ziparchive.MemberReader(stream, entry)
        with pytest.raises(ziparchive.ZipError, match="went back to its start more than 16"):
            for _ in range(ziparchive.MemberReader.RESTARTS + 2):
                for where in (10 << 20, 30 << 20, 50 << 20):  # further apart than it keeps
                    reader.seek(where)
                    assert reader.read(16) == bytes(16)


def test_a_member_swept_once_keeps_its_head_and_tail_for_the_reads_to_come(tmp_path: Path) -> None:
    """What an ELF reader asks for after the one pass (headers at the start, section headers at
    the end) is served from what the pass kept; the middle is inflated again from the file."""
    data = b"".join(bigwheel.filler(5 * (1 << 20) + 4321))
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("member", data)
    (entry,) = read_directory(path)[0]
    with open(path, "rb") as file, Lane() as lane:
        reader = ziparchive.MemberReader(file, entry)
        reader.HEAD = reader.CACHE = 1 << 20
        raw = ziparchive.Crc()
        swept: list[bytes] = []
        assert reader.sweep(swept.append, lane=lane, raw_crc=raw) == len(data)
        assert b"".join(swept) == data
        start, _ = ziparchive.local_header(file, entry)
        compressed = path.read_bytes()[start : start + entry.compressed_size]
        assert raw.value == zlib.crc32(compressed)
        for at, length in [(0, 1000), (len(data) - 5000, 5000), ((1 << 20) - 10, 10)]:
            reader.seek(at)
            assert reader.read(length) == data[at : at + length]
        assert reader._restarts == 0
        reader.seek(3 << 20)
        assert reader.read(100) == data[3 << 20 : (3 << 20) + 100]
        assert reader._restarts == 1
