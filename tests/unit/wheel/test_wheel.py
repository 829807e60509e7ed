from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename
from wheelcalls import (
    data_dir,
    files,
    hash_matches,
    parse_record_line,
    read_member,
    read_wheel,
    record_line,
)
from wheelmaker import add_line, drop, hash_of, make_wheel, set_hash, set_size

from maturin_cross.errors import WheelError
from maturin_cross.wheel import ziparchive
from maturin_cross.wheel.contents import WheelContents
from maturin_cross.wheel.record import Hash, RecordEntry
from maturin_cross.wheel.rewrite import rewrite_wheel, rewrite_wheel_checked
from maturin_cross.wheel.tags import PolicyTag, policy_tag, tag_lines, wheel_filename

INIT = "rpds/__init__.py"
SO = "rpds/rpds.cpython-311-x86_64-linux-gnu.so"
ARM_SO = "rpds/rpds.cpython-311-arm-linux-gnueabihf.so"
DIST_INFO = "rpds-0.1.0.dist-info"
METADATA = f"{DIST_INFO}/METADATA"
WHEEL = f"{DIST_INFO}/WHEEL"
RECORD = f"{DIST_INFO}/RECORD"
X86_64 = Tag("cp311", "cp311", "linux_x86_64")
ARMV7 = Tag("cp311", "cp311", "linux_armv7l")


def refusal(path: Path) -> list[str]:
    """The problems read_wheel finds in ``path``; each one must name the wheel."""
    with pytest.raises(WheelError) as info:
        read_wheel(path)
    problems = info.value.problems
    assert problems
    assert str(info.value) == "\n".join(problems)
    for problem in problems:
        assert problem.startswith(f"{path}: "), problem
        assert "\n" not in problem
    return problems


def one_refusal(path: Path, *fragments: str) -> str:
    problems = refusal(path)
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0]
    return problems[0]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- reading ---------------------------------------------------------------------------------


def test_reads_a_correct_wheel(tmp_path: Path) -> None:
    path = make_wheel(tmp_path)
    contents = read_wheel(path)

    assert contents.path == path
    assert contents.filename == "rpds-0.1.0-cp311-cp311-linux_x86_64.whl"
    assert (contents.name, contents.version, contents.build) == ("rpds", "0.1.0", ())
    assert contents.tags == frozenset({X86_64})
    assert contents.dist_info == DIST_INFO
    assert contents.wheel_path == WHEEL
    assert contents.record_path == RECORD
    assert data_dir(contents) == "rpds-0.1.0.data"
    assert contents.wheel_tags == ("cp311-cp311-linux_x86_64",)
    assert contents.entries == (INIT, SO, METADATA, WHEEL, RECORD)
    assert files(contents) == contents.entries
    assert read_member(contents, INIT) == b"from .rpds import *\n"
    assert contents.record[0] == RecordEntry(
        INIT, Hash.parse(hash_of(b"from .rpds import *\n")), 20
    )
    assert contents.record[-1] == RecordEntry(RECORD, None, None)
    assert [entry.path for entry in contents.record] == list(contents.entries)
    assert stat.S_IMODE(contents.zip_entry(SO).external_attr >> 16) == 0o755
    assert stat.S_IMODE(contents.zip_entry(INIT).external_attr >> 16) == 0o644
    with pytest.raises(KeyError, match="nope"):
        read_member(contents, "nope")


def test_record_holds_the_member_names_it_lists_not_copies(tmp_path: Path) -> None:
    """Memory grows with the number of members: a RECORD path is the member's own name string,
    and every sha256 hash names its algorithm with one string."""
    contents = read_wheel(make_wheel(tmp_path, files={"rpds/a.py": b"a", "rpds/b.py": b"b"}))
    names = {name: name for name in contents.entries}
    listed = [entry for entry in contents.record if entry.hash is not None]
    assert len(listed) >= 3
    assert all(entry.path is names[entry.path] for entry in listed)
    assert len({id(entry.hash.algorithm) for entry in listed if entry.hash is not None}) == 1


def test_reads_build_tag_and_normalizes_the_name(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, name="Rpds_Py", version="1.0", build="1")
    contents = read_wheel(path)
    assert contents.filename == "Rpds_Py-1.0-1-cp311-cp311-linux_x86_64.whl"
    assert (contents.name, contents.version, contents.build) == ("rpds-py", "1.0", (1, ""))
    assert contents.dist_info == "Rpds_Py-1.0.dist-info"


def test_reads_several_tags_from_the_file_name(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, tags=("py3-none-linux_armv7l", "py3-none-linux_armv6l"))
    assert path.name == "rpds-0.1.0-py3-none-linux_armv6l.linux_armv7l.whl"
    contents = read_wheel(path)
    assert contents.tags == {Tag("py3", "none", "linux_armv7l"), Tag("py3", "none", "linux_armv6l")}
    assert contents.wheel_tags == ("py3-none-linux_armv7l", "py3-none-linux_armv6l")


def test_directory_entries_and_signatures_need_no_record_line(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, extra_members=[("rpds/", b""), (f"{DIST_INFO}/RECORD.jws", b"{}")])
    contents = read_wheel(path)
    assert contents.is_dir("rpds/")
    assert "rpds/" not in files(contents)


def test_paths_with_commas_and_quotes_are_read_from_quoted_record_lines(tmp_path: Path) -> None:
    files = {"rpds/a,b.txt": b"comma", 'rpds/say "hi".txt': b"quote", "rpds/é.txt": b"utf8"}
    contents = read_wheel(make_wheel(tmp_path, files=files))
    assert RecordEntry("rpds/a,b.txt", Hash.parse(hash_of(b"comma")), 5) in contents.record
    assert read_member(contents, 'rpds/say "hi".txt') == b"quote"
    assert read_member(contents, "rpds/é.txt") == b"utf8"


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512", "sha3_256", "blake2b"])
def test_accepts_sha256_and_stronger(tmp_path: Path, algorithm: str) -> None:
    contents = read_wheel(make_wheel(tmp_path, hash_algorithm=algorithm))
    first = contents.record[0].hash
    assert first is not None
    assert first.algorithm == algorithm


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha224"])
def test_refuses_weak_hashes(tmp_path: Path, algorithm: str) -> None:
    problems = refusal(make_wheel(tmp_path, hash_algorithm=algorithm))
    assert len(problems) == 4  # every hashed member: INIT, SO, METADATA, WHEEL
    assert f"{INIT} is hashed with {algorithm} in RECORD" in problems[0]
    assert "sha256 or stronger" in problems[0]


# --- refusals --------------------------------------------------------------------------------


def test_refuses_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "rpds-0.1.0-py3-none-any.whl"
    path.write_bytes(b"this is not a zip file")
    one_refusal(path, "not a readable zip archive")


def test_refuses_a_damaged_member(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, files={"rpds/data.bin": b"A" * 64}, stored={"rpds/data.bin"})
    path.write_bytes(path.read_bytes().replace(b"A" * 64, b"B" + b"A" * 63))
    one_refusal(path, "rpds/data.bin: cannot be read", "CRC", "damaged")


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    one_refusal(tmp_path / "rpds-0.1.0-py3-none-any.whl", "cannot be read", "check the path")


@pytest.mark.parametrize("filename", ["rpds.whl", "rpds-0.1.0.whl", "rpds-0.1.0-py3-none-any.zip"])
def test_refuses_a_bad_wheel_file_name(tmp_path: Path, filename: str) -> None:
    one_refusal(make_wheel(tmp_path, filename=filename), "not a wheel file name", "NAME-VERSION")


def test_refuses_a_dist_info_that_does_not_match_the_file_name(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, filename="other-0.1.0-cp311-cp311-linux_x86_64.whl")
    one_refusal(path, DIST_INFO, "does not belong to other 0.1.0")


@pytest.mark.parametrize(
    ("member", "what"),
    [
        ("/abs", "is an absolute path"),
        ("/etc/passwd", "is an absolute path"),
        ("C:\\evil.py", "starts with a drive letter"),
        ("C:/evil.py", "starts with a drive letter"),
        ("\\evil.py", "contains a backslash"),
        ("rpds\\..\\..\\evil.py", "contains a backslash"),
        ("../escape", "has a '..' component"),
        ("rpds/../../escape", "has a '..' component"),
    ],
)
def test_refuses_unsafe_member_names(tmp_path: Path, member: str, what: str) -> None:
    path = make_wheel(tmp_path, extra_members=[(member, b"evil")])
    one_refusal(path, f"member {member!r} {what}")


def test_refuses_a_member_name_holding_a_nul(tmp_path: Path) -> None:
    """zipfile (and installers with it) cut a name at its NUL, where RECORD keeps it whole."""

    def nul_in_record(rows: list[list[str]]) -> list[list[str]]:
        return [[row[0].replace("_", "\x00"), *row[1:]] for row in rows]

    path = make_wheel(tmp_path, files={"rpds/a_b.py": b""}, record_edits=[nul_in_record])
    path.write_bytes(path.read_bytes().replace(b"rpds/a_b.py", b"rpds/a\x00b.py"))
    one_refusal(path, "member 'rpds/a\\x00b.py' contains a NUL character")


def test_refuses_a_name_flagged_utf8_that_is_not(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, files={"rpds/é.py": b""})
    path.write_bytes(path.read_bytes().replace("é".encode(), b"\xff\xfe"))
    one_refusal(
        path,
        "not a readable zip archive",
        "member b'rpds/\\xff\\xfe.py': its name is flagged as UTF-8 but is not UTF-8",
    )


@pytest.mark.parametrize(
    ("kind", "target", "what"),
    [
        (stat.S_IFLNK, b"/etc/passwd", "is a symbolic link"),
        (stat.S_IFLNK, b"../../..", "is a symbolic link"),
        (stat.S_IFIFO, b"", "is a named pipe"),
        (stat.S_IFCHR, b"", "is a character device"),
    ],
)
def test_refuses_members_that_are_not_regular_files(
    tmp_path: Path, kind: int, target: bytes, what: str
) -> None:
    """A wheel holds files: a symlink member would be made a link on the installing machine."""
    member = "rpds/link"
    path = make_wheel(tmp_path, files={INIT: b"", member: (target, 0o777)})
    with zipfile.ZipFile(path) as archive:
        infos = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in infos:
            if info.filename == member:
                info.external_attr = (kind | 0o777) << 16
            archive.writestr(info, data)
    one_refusal(path, f"member {member!r} {what}", "a wheel holds only regular files")


def test_refuses_members_that_unpack_past_the_ceiling_before_unpacking(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, files={INIT: b"x" * 5000})
    with pytest.raises(WheelError) as info:
        read_wheel(path, max_unpacked=4096)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}: its members unpack to ")
    assert "more than the ceiling of 4096 bytes (4 KiB, max-unpacked-size)" in problem
    assert "--max-unpacked-size" in problem
    read_wheel(path, max_unpacked=1 << 20)  # the same wheel under a higher ceiling


def sizes_only_wheel(tmp_path: Path, declared: int) -> Path:
    """A correct wheel, then one member more whose central directory says ``declared`` bytes
    (its data is a few bytes: nothing past the directory is read before the refusal)."""
    path = make_wheel(tmp_path, files={INIT: b""})
    with open(path, "rb") as source, open(tmp_path / "big.whl", "wb") as out:
        entries, comment = ziparchive.read_directory(source, path.stat().st_size)
        writer = ziparchive.Writer(out)
        for entry in entries:
            start, extra = ziparchive.local_header(source, entry)
            writer.add_raw(
                entry, extra, ziparchive.raw_chunks(source, start, entry.compressed_size)
            )
        bomb = replace(entries[0].renamed("rpds/bomb.bin"), size=declared, compressed_size=4)
        writer.add_raw(bomb, b"", iter([b"\x03\x00AB"]))
        writer.finish(comment)
    (tmp_path / "big.whl").replace(path)
    return path


def test_the_default_ceiling_is_8_gib(tmp_path: Path) -> None:
    path = sizes_only_wheel(tmp_path, 9 << 30)
    problem = one_refusal(path, "more than the ceiling of 8589934592 bytes (8 GiB")
    assert "cannot be read" not in problem


def test_a_record_larger_than_its_members_could_need_is_refused_unread(tmp_path: Path) -> None:
    """RECORD (and WHEEL) are read whole: one that is a compression bomb is refused by its size."""
    path = make_wheel(tmp_path, record=b"\n" * (4 << 20))
    one_refusal(path, f"{RECORD} is 4194304 bytes, more than ", "rebuild the wheel")


def test_refuses_duplicate_member_names(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, extra_members=[(INIT, b"import evil\n")])
    one_refusal(path, f"member {INIT!r} appears 2 times")


def test_refuses_a_wheel_without_dist_info(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, metadata=None, wheel=None, record=None)
    one_refusal(path, "exactly one NAME-VERSION.dist-info directory", "has none")


def test_refuses_a_wheel_with_two_dist_infos(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, extra_members=[("other-1.0.dist-info/METADATA", b"")])
    problems = refusal(path)
    assert any(f"has 2 (other-1.0.dist-info, {DIST_INFO})" in p for p in problems)


def test_refuses_a_missing_wheel_file(tmp_path: Path) -> None:
    one_refusal(make_wheel(tmp_path, wheel=None), f"{WHEEL} is missing")


def test_refuses_a_missing_record(tmp_path: Path) -> None:
    one_refusal(make_wheel(tmp_path, record=None), f"{RECORD} is missing")


def test_refuses_a_wrong_hash(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[set_hash(SO, hash_of(b"something else"))])
    one_refusal(path, f"{SO} does not match its sha256 hash in RECORD", "rebuild the wheel")


def test_refuses_a_wrong_size(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[set_size(INIT, 3)])
    one_refusal(path, f"{INIT} is 20 bytes, RECORD says 3")


def test_refuses_a_member_missing_from_record(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[drop(SO)])
    one_refusal(path, f"{SO} is not listed in RECORD")


def test_refuses_a_record_entry_without_member(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[add_line("rpds/gone.py", hash_of(b""), "0")])
    one_refusal(path, "RECORD lists rpds/gone.py but the wheel has no such member")


def test_refuses_a_member_without_hash(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[set_hash(SO, ""), set_size(SO, "")])
    one_refusal(path, f"{SO} has no hash or no size in RECORD")


def test_refuses_a_member_listed_twice(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_edits=[add_line(INIT, hash_of(b"x"), "1")])
    one_refusal(path, f"{RECORD} line 5: {INIT} is listed again (first on line 1)")


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        (("rpds/x.py", "sha256=abc"), "has 2 fields, expected 3"),
        (("rpds/x.py", "sha256=abc", "1", "extra"), "has 4 fields, expected 3"),
        (("rpds/x.py", "sha256=abc", "ten"), "size 'ten' is not a whole number"),
        (("rpds/x.py", "sha256=abc", "-1"), "size '-1' is not a whole number"),
        (("rpds/x.py", "sha256", "1"), "is not of the form ALGORITHM=DIGEST"),
        (("rpds/x.py", "sha256=a+b/c", "1"), "is not urlsafe base64"),
        (("", "", ""), "path is empty"),
    ],
)
def test_refuses_malformed_record_lines(tmp_path: Path, fields: tuple[str, ...], what: str) -> None:
    path = make_wheel(tmp_path, record_edits=[add_line(*fields)])
    one_refusal(path, f"{RECORD} line 5: ", what)


def test_refuses_record_that_is_not_utf8(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record=b"\xff\xfe")
    problems = refusal(path)
    assert f"{RECORD} is not UTF-8 text" in problems[0]


def test_collects_every_problem_at_once(tmp_path: Path) -> None:
    path = make_wheel(
        tmp_path,
        filename="rpds-0.1.0.whl",
        record_edits=[set_hash(INIT, hash_of(b"x")), drop(SO), set_size(METADATA, 1)],
        extra_members=[("/abs", b""), ("../escape", b"")],
    )
    problems = refusal(path)
    expected = [
        "not a wheel file name",
        "member '/abs' is an absolute path",
        "member '../escape' has a '..' component",
        f"{SO} is not listed in RECORD",
        f"{INIT} does not match its sha256 hash",
        f"{METADATA} is ",
    ]
    assert len(problems) == len(expected), problems
    for fragment, problem in zip(expected, problems, strict=True):
        assert fragment in problem


# --- RecordEntry, tags and file names --------------------------------------------------------


def test_record_entry_lines_round_trip() -> None:
    entry = RecordEntry.for_data("rpds/a,b.py", b"data")
    assert entry == RecordEntry("rpds/a,b.py", Hash.parse(hash_of(b"data")), 4)
    assert record_line(entry) == f'"rpds/a,b.py",{hash_of(b"data")},4'
    assert parse_record_line(record_line(entry)) == entry
    assert hash_matches(entry, b"data")
    assert not hash_matches(entry, b"other")
    assert parse_record_line("rpds-0.1.0.dist-info/RECORD,,") == RecordEntry(
        "rpds-0.1.0.dist-info/RECORD", None, None
    )
    assert record_line(RecordEntry(RECORD, None, None)) == f"{RECORD},,"


@pytest.mark.parametrize(
    ("path", "hash_", "size"),
    [("", None, None), ("a\nb", None, None), ("a", "sha256", 1), ("a", "sha256=x", -1)],
)
def test_record_entry_checks_its_fields(path: str, hash_: str | None, size: int | None) -> None:
    with pytest.raises(ValueError):
        RecordEntry(path, None if hash_ is None else Hash.parse(hash_), size)


def test_record_entry_does_not_compute_weak_hashes() -> None:
    with pytest.raises(ValueError, match="md5"):
        RecordEntry.for_data("a", b"", algorithm="md5")
    with pytest.raises(ValueError, match="md5"):
        hash_matches(RecordEntry("a", Hash.parse(hash_of(b"", "md5")), 0), b"")


def test_a_hash_is_parsed_once_and_written_as_it_came() -> None:
    padded = hash_of(b"data") + "="
    parsed = Hash.parse(padded)
    assert (parsed.algorithm, str(parsed)) == ("sha256", padded)
    assert parsed.accepted
    assert not Hash.parse(hash_of(b"", "md5")).accepted
    assert Hash.of(b"data") == Hash.parse(hash_of(b"data"))
    hasher = parsed.hasher()
    hasher.update(b"data")
    assert parsed.matches(hasher.digest())  # the padding does not count


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sha256", "hash 'sha256' is not of the form ALGORITHM=DIGEST"),
        ("=abc", "hash '=abc' is not of the form ALGORITHM=DIGEST"),
        ("sha 256=abc", "hash algorithm 'sha 256' is not a hashlib name"),
        ("sha256=a+b/", "hash 'sha256=a+b/' is not urlsafe base64"),
    ],
)
def test_a_malformed_hash_says_why(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as parsed:
        Hash.parse(text)
    assert str(parsed.value) == problem
    algorithm, _, digest = text.partition("=")
    with pytest.raises(ValueError):
        Hash(algorithm, digest)  # made directly, it is checked the same way


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("manylinux_2_17_armv7l", PolicyTag("manylinux", "manylinux_2_17", "armv7l")),
        ("musllinux_1_2_x86_64", PolicyTag("musllinux", "musllinux_1_2", "x86_64")),
        ("manylinux2014_aarch64", PolicyTag("manylinux", "manylinux2014", "aarch64")),
        ("manylinux1_i686", PolicyTag("manylinux", "manylinux1", "i686")),
        ("linux_armv7l", None),
        ("manylinux3_armv7l", None),  # PEP 600 keeps three older names, no others
        ("any", None),
    ],
)
def test_policy_tags(platform: str, expected: PolicyTag | None) -> None:
    assert policy_tag(platform) == expected


def test_tag_lines_keep_order_and_drop_duplicates() -> None:
    tags = [ARMV7, X86_64, ARMV7]
    assert tag_lines(tags) == ["Tag: cp311-cp311-linux_armv7l", "Tag: cp311-cp311-linux_x86_64"]


PY3_ARM = [Tag("py3", "none", "linux_armv7l"), Tag("py3", "none", "linux_armv6l")]
ABI3_ARM = [Tag(python, "abi3", "linux_armv7l") for python in ("cp39", "cp310", "cp39")]


@pytest.mark.parametrize(
    ("name", "version", "build", "tags", "expected"),
    [
        ("rpds", "0.1.0", (), [ARMV7], "rpds-0.1.0-cp311-cp311-linux_armv7l.whl"),
        ("rpds", "0.1.0", (), PY3_ARM, "rpds-0.1.0-py3-none-linux_armv6l.linux_armv7l.whl"),
        ("rpds", "1.0", (), ABI3_ARM, "rpds-1.0-cp310.cp39-abi3-linux_armv7l.whl"),
        ("Rpds.Py", "1.0.0", (2, "b"), [ARMV7], "rpds_py-1.0.0-2b-cp311-cp311-linux_armv7l.whl"),
    ],
)
def test_wheel_filename(
    name: str, version: str, build: tuple[int, str], tags: list[Tag], expected: str
) -> None:
    filename = wheel_filename(name, version, build, tags)
    assert filename == expected
    assert parse_wheel_filename(filename)[3] == frozenset(tags)


def test_wheel_filename_refuses_tags_a_name_cannot_express() -> None:
    tags = [ARMV7, Tag("py3", "none", "linux_armv6l")]
    with pytest.raises(WheelError, match="cannot share one wheel file name"):
        wheel_filename("rpds", "0.1.0", (), tags)
    with pytest.raises(ValueError):
        wheel_filename("rpds", "0.1.0", (), [])


# --- rewriting -------------------------------------------------------------------------------


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A wheel with a .data script, a stored member and a directory entry, in tmp_path/in."""
    directory = tmp_path / "in"
    directory.mkdir()
    files: dict[str, bytes | tuple[bytes, int]] = {
        INIT: b"from .rpds import *\n",
        "rpds/py.typed": b"",
        SO: (b"\x7fELF" + bytes(200), 0o755),
        "rpds-0.1.0.data/scripts/rpds-tool": (b"#!python\nprint('hi')\n", 0o755),
        "rpds-0.1.0.data/data/share/doc.txt": (b"doc", 0o600),
    }
    return make_wheel(
        directory, files=files, stored={"rpds/py.typed"}, extra_members=[("rpds/", b"")]
    )


def test_rewrite_renames_and_retags(source: Path, tmp_path: Path) -> None:
    contents = read_wheel(source)
    out = rewrite_wheel(contents, tmp_path / "out", renames={SO: ARM_SO}, tags=[ARMV7])

    assert out == tmp_path / "out" / "rpds-0.1.0-cp311-cp311-linux_armv7l.whl"
    new = read_wheel(out)  # verifies the new RECORD against the data
    assert new.tags == {ARMV7}
    assert new.wheel_tags == ("cp311-cp311-linux_armv7l",)
    assert read_member(new, WHEEL).decode().splitlines() == [
        "Wheel-Version: 1.0",
        "Generator: wheelmaker (tests)",
        "Root-Is-Purelib: false",
        "Tag: cp311-cp311-linux_armv7l",
    ]
    assert read_member(new, ARM_SO) == read_member(contents, SO)
    assert SO not in new.entries

    old_record = {entry.path: entry for entry in contents.record}
    new_record = {entry.path: entry for entry in new.record}
    assert new_record[ARM_SO].hash == old_record[SO].hash
    assert new_record[ARM_SO].size == old_record[SO].size
    assert new_record[WHEEL] == RecordEntry.for_data(WHEEL, read_member(new, WHEEL))
    assert new_record[WHEEL] != old_record[WHEEL]
    assert new.record[-1] == RecordEntry(RECORD, None, None)
    assert read_member(new, RECORD).decode().endswith(f"\n{RECORD},,\n")
    assert new.entries[-1] == RECORD


def test_rewrite_keeps_every_other_entry_as_it_was(source: Path, tmp_path: Path) -> None:
    renames = {SO: ARM_SO}
    out = rewrite_wheel(read_wheel(source), tmp_path / "out", renames=renames, tags=[ARMV7])

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out) as new:
        old_infos, new_infos = old.infolist(), new.infolist()
        assert [renames.get(i.filename, i.filename) for i in old_infos] == [
            i.filename for i in new_infos
        ]
        assert len({i.date_time for i in old_infos}) == len(old_infos)  # the test can tell
        assert {i.compress_type for i in old_infos} == {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
        for before, after in zip(old_infos, new_infos, strict=True):
            assert after.date_time == before.date_time, before.filename
            assert after.external_attr == before.external_attr, before.filename
            assert after.compress_type == before.compress_type, before.filename
            assert after.create_system == before.create_system, before.filename
            if before.filename not in (WHEEL, RECORD):
                assert new.read(after) == old.read(before), before.filename
        assert new.getinfo("rpds-0.1.0.data/scripts/rpds-tool").external_attr >> 16 == (
            stat.S_IFREG | 0o755
        )
        assert new.getinfo("rpds/").is_dir()


def test_rewrite_without_changes_copies_the_wheel(source: Path, tmp_path: Path) -> None:
    out = rewrite_wheel(read_wheel(source), tmp_path / "out", renames={}, tags=None)
    assert out.name == source.name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out) as new:
        assert [(i.filename, i.date_time) for i in old.infolist()] == [
            (i.filename, i.date_time) for i in new.infolist()
        ]
        for info in old.infolist():
            assert new.read(info.filename) == old.read(info), info.filename  # RECORD too


def test_rewrite_with_several_tags(source: Path, tmp_path: Path) -> None:
    tags = [Tag("py3", "none", "linux_armv7l"), Tag("py3", "none", "linux_armv6l")]
    out = rewrite_wheel(read_wheel(source), tmp_path, renames={}, tags=tags)
    assert out.name == "rpds-0.1.0-py3-none-linux_armv6l.linux_armv7l.whl"
    new = read_wheel(out)
    assert new.tags == frozenset(tags)
    assert new.wheel_tags == ("py3-none-linux_armv7l", "py3-none-linux_armv6l")


def test_rewrite_replaces_tag_lines_where_they_stood(tmp_path: Path) -> None:
    wheel = b"Wheel-Version: 1.0\r\nTag: cp311-cp311-linux_x86_64\r\nGenerator: x\r\nTag: a-b-c\r\n"
    contents = read_wheel(make_wheel(tmp_path, wheel=wheel))
    out = rewrite_wheel(contents, tmp_path / "out", renames={}, tags=[ARMV7, X86_64])
    assert read_member(read_wheel(out), WHEEL) == (
        b"Wheel-Version: 1.0\r\nTag: cp311-cp311-linux_armv7l\r\n"
        b"Tag: cp311-cp311-linux_x86_64\r\nGenerator: x\r\n"
    )


def test_rewrite_adds_tag_lines_to_a_wheel_file_without_them(tmp_path: Path) -> None:
    contents = read_wheel(make_wheel(tmp_path, wheel=b"Wheel-Version: 1.0\nGenerator: x"))
    assert contents.wheel_tags == ()
    out = rewrite_wheel(contents, tmp_path / "out", renames={}, tags=[ARMV7])
    assert read_member(read_wheel(out), WHEEL) == (
        b"Wheel-Version: 1.0\nGenerator: x\nTag: cp311-cp311-linux_armv7l\n"
    )


def test_rewrite_can_swap_names(tmp_path: Path) -> None:
    contents = read_wheel(make_wheel(tmp_path, files={"rpds/a": b"A", "rpds/b": b"BB"}))
    out = rewrite_wheel(
        contents, tmp_path / "out", renames={"rpds/a": "rpds/b", "rpds/b": "rpds/a"}, tags=None
    )
    new = read_wheel(out)
    assert (read_member(new, "rpds/a"), read_member(new, "rpds/b")) == (b"BB", b"A")


def test_rewrite_quotes_paths_in_record(tmp_path: Path) -> None:
    contents = read_wheel(make_wheel(tmp_path, files={"rpds/a.so": b"so"}))
    out = rewrite_wheel(contents, tmp_path / "out", renames={"rpds/a.so": "rpds/a,b.so"}, tags=None)
    new = read_wheel(out)
    assert f'"rpds/a,b.so",{hash_of(b"so")},2' in read_member(new, RECORD).decode().splitlines()


def test_rewrite_drops_signatures_of_the_old_record(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, extra_members=[(f"{DIST_INFO}/RECORD.jws", b"{}")])
    out = rewrite_wheel(read_wheel(path), tmp_path / "out", renames={}, tags=[ARMV7])
    assert f"{DIST_INFO}/RECORD.jws" not in read_wheel(out).entries


def test_rewrite_never_modifies_its_input(source: Path, tmp_path: Path) -> None:
    before = (sha256_file(source), source.stat().st_mtime_ns)
    rewrite_wheel(read_wheel(source), tmp_path / "out", renames={SO: ARM_SO}, tags=[ARMV7])
    rewrite_wheel(read_wheel(source), source.parent, renames={SO: ARM_SO}, tags=[ARMV7])
    assert (sha256_file(source), source.stat().st_mtime_ns) == before
    assert sorted(p.name for p in source.parent.iterdir()) == sorted(
        [source.name, "rpds-0.1.0-cp311-cp311-linux_armv7l.whl"]
    )


def test_rewrite_in_place_under_the_same_name(source: Path) -> None:
    out = rewrite_wheel(read_wheel(source), source.parent, renames={SO: ARM_SO}, tags=None)
    assert out == source
    assert ARM_SO in read_wheel(source).entries
    assert [p.name for p in source.parent.iterdir()] == [source.name]


def test_rewrite_overwrites_an_existing_target(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "rpds-0.1.0-cp311-cp311-linux_armv7l.whl"
    target.write_bytes(b"stale")
    out = rewrite_wheel(read_wheel(source), tmp_path, renames={}, tags=[ARMV7])
    assert out == target
    assert read_wheel(target).tags == {ARMV7}


def test_rewrite_creates_files_as_open_would(source: Path, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        out = rewrite_wheel(read_wheel(source), tmp_path / "out", renames={}, tags=[ARMV7])
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("renames", "fragments"),
    [
        ({SO: INIT}, [f"would give 2 members the name {INIT} ({INIT}, {SO})"]),
        ({SO: ARM_SO, INIT: ARM_SO}, [f"name {ARM_SO} ({INIT}, {SO})"]),
        ({"rpds/gone.so": ARM_SO}, ["cannot rename rpds/gone.so: the wheel has no such member"]),
        ({RECORD: "RECORD"}, [f"cannot rename {RECORD}: the wheel's metadata keeps its name"]),
        ({WHEEL: "rpds/WHEEL"}, [f"cannot rename {WHEEL}"]),
        ({"rpds/": "rpds2/"}, ["cannot rename the directory entry rpds/"]),
        ({SO: "../rpds.so"}, [f"cannot rename {SO} to '../rpds.so'", "'..' component"]),
        ({SO: "/rpds.so"}, ["the new name is an absolute path"]),
        ({SO: "rpds/rpds.so\x00.so"}, ["the new name contains a NUL character"]),
        ({SO: "rpds/x/"}, ["ends with '/'"]),
        ({SO: "other-1.0.dist-info/x.so"}, ["second .dist-info directory"]),
        ({SO: f"{DIST_INFO}/RECORD.p7s"}, ["belongs to the wheel's metadata"]),
    ],
)
def test_rewrite_refuses_bad_renames_and_leaves_nothing(
    source: Path, tmp_path: Path, renames: dict[str, str], fragments: list[str]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(WheelError) as info:
        rewrite_wheel(read_wheel(source), out_dir, renames=renames, tags=[ARMV7])
    assert len(info.value.problems) == 1, info.value.problems
    problem = info.value.problems[0]
    assert problem.startswith(f"{source}: ")
    for fragment in fragments:
        assert fragment in problem
    assert list(out_dir.iterdir()) == []


def test_rewrite_refuses_tags_a_file_name_cannot_express(source: Path, tmp_path: Path) -> None:
    tags = [ARMV7, Tag("py3", "none", "any")]
    with pytest.raises(WheelError, match="cannot share one wheel file name"):
        rewrite_wheel(read_wheel(source), tmp_path / "out", renames={}, tags=tags)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_rewrite_leaves_nothing_partial_when_writing_fails(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "rpds-0.1.0-cp311-cp311-linux_armv7l.whl"
    target.write_bytes(b"previous")
    contents = read_wheel(source)
    written: list[str] = []
    real_add_raw = ziparchive.Writer.add_raw

    def failing_add_raw(
        self: ziparchive.Writer,
        entry: ziparchive.Entry,
        local_extra: bytes,
        chunks: Iterable[bytes] | bytes,
    ) -> int:
        if len(written) == 3:
            raise error
        written.append(entry.name)
        return real_add_raw(self, entry, local_extra, chunks)

    monkeypatch.setattr(ziparchive.Writer, "add_raw", failing_add_raw)
    with pytest.raises(WheelError if isinstance(error, OSError) else KeyboardInterrupt) as info:
        rewrite_wheel(contents, tmp_path, renames={}, tags=[ARMV7])
    if isinstance(error, OSError):
        assert str(info.value).startswith(f"{target}: cannot write the wheel (disk full)")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", target.name]


def test_wheel_contents_compare_by_their_facts(tmp_path: Path) -> None:
    first = read_wheel(make_wheel(tmp_path))
    assert isinstance(first, WheelContents)
    assert first == read_wheel(first.path)


# --- streaming: compressed bytes copied as they are -------------------------------------------


def raw_member(path: Path, name: str) -> bytes:
    """A member's compressed bytes as they stand in the file (zipfile finds where)."""
    with zipfile.ZipFile(path) as archive, open(path, "rb") as stream:
        info = archive.getinfo(name)
        stream.seek(info.header_offset + 26)
        name_len, extra_len = struct.unpack("<HH", stream.read(4))
        stream.seek(info.header_offset + 30 + name_len + extra_len)
        return stream.read(info.compress_size)


def test_rewrite_copies_compressed_bytes_and_keeps_comments(source: Path, tmp_path: Path) -> None:
    timestamp = struct.pack("<HHBI", 0x5455, 5, 1, 1_600_000_000)  # an extended timestamp
    commented = tmp_path / "commented" / source.name
    commented.parent.mkdir()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(commented, "w") as new:
        for info in old.infolist():
            info.comment = f"comment of {info.filename}".encode()
            info.extra = timestamp
            new.writestr(info, old.read(info))
        new.comment = b"the archive's comment"
    contents = read_wheel(commented)
    out = rewrite_wheel(contents, tmp_path / "out", renames={SO: ARM_SO}, tags=[ARMV7])
    with zipfile.ZipFile(commented) as old, zipfile.ZipFile(out) as new:
        assert new.comment == b"the archive's comment"
        for info in old.infolist():
            if info.filename in (WHEEL, RECORD):
                continue
            after = new.getinfo(ARM_SO if info.filename == SO else info.filename)
            assert after.comment == info.comment
            assert after.extra == timestamp
            assert (after.CRC, after.compress_size, after.compress_type) == (
                info.CRC,
                info.compress_size,
                info.compress_type,
            )
            assert raw_member(out, after.filename) == raw_member(commented, info.filename)


def test_rewrite_gives_the_same_bytes_every_time(source: Path, tmp_path: Path) -> None:
    first = rewrite_wheel(read_wheel(source), tmp_path / "1", renames={SO: ARM_SO}, tags=[ARMV7])
    second = rewrite_wheel(read_wheel(source), tmp_path / "2", renames={SO: ARM_SO}, tags=[ARMV7])
    assert first.read_bytes() == second.read_bytes()
    again = rewrite_wheel(read_wheel(first), tmp_path / "3", renames={}, tags=[ARMV7])
    assert again.read_bytes() == first.read_bytes()


class Unseekable(io.RawIOBase):
    """A pipe-like stream: zipfile then writes each member's CRC and sizes after its data."""

    def __init__(self, sink: io.BytesIO) -> None:
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.sink.write(data)


def test_members_written_with_data_descriptors_get_plain_local_headers(
    source: Path, tmp_path: Path
) -> None:
    sink = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(Unseekable(sink), "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
    streamed = tmp_path / "streamed" / source.name
    streamed.parent.mkdir()
    streamed.write_bytes(sink.getvalue())
    with zipfile.ZipFile(streamed) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())

    out = rewrite_wheel(read_wheel(streamed), tmp_path / "out", renames={SO: ARM_SO}, tags=[ARMV7])
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert not any(info.flag_bits & 0x08 for info in archive.infolist())
    assert read_member(read_wheel(out), ARM_SO) == read_member(read_wheel(streamed), SO)


def test_a_written_wheel_is_checked_from_what_was_verified_in_its_input(
    source: Path, tmp_path: Path
) -> None:
    """The new wheel is checked without reading it: as ``read_wheel`` would find it, and a
    RECORD that gives a member another hash than its data was verified to have is refused."""
    written = rewrite_wheel_checked(
        read_wheel(source), tmp_path / "out", renames={SO: ARM_SO}, tags=[ARMV7]
    )
    checked = written.check()
    again = read_wheel(written.path)
    assert (checked.entries, checked.record, checked.wheel_tags, checked.tags) == (
        again.entries,
        again.record,
        again.wheel_tags,
        again.tags,
    )
    assert checked.zip_entry(ARM_SO).header_offset == again.zip_entry(ARM_SO).header_offset

    other = Hash.of(b"other data")
    record = [
        RecordEntry(entry.path, other, entry.size) if entry.path == ARM_SO else entry
        for entry in written.record
    ]
    with pytest.raises(WheelError, match=rf"{re.escape(ARM_SO)} does not match its sha256 hash"):
        replace(written, record=record).check()
