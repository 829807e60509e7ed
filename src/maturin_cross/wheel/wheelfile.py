"""Read, verify and rewrite wheels: rename members, retag, regenerate RECORD.

Pure: no process, no printing, no host interpreter. Memory stays bounded whatever the wheel's
size: :func:`read_wheel` keeps the central directory and RECORD, and verifies every member's hash
and size against RECORD while streaming its data through in chunks; a member is looked into
through a seekable stream (:meth:`WheelContents.open`). :func:`rewrite_wheel` copies every
unchanged member's compressed bytes as they are (a renamed one under its new name, with the same
CRC, sizes and compression), rewrites only WHEEL and RECORD (written last) and writes the central
directory itself; entries keep their order and zip metadata, and the result appears under its
final name only once it is complete.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import stat
import zipfile
from base64 import urlsafe_b64encode
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from maturin_cross.errors import WheelError
from maturin_cross.support import atomic
from maturin_cross.wheel import ziparchive

ACCEPTED_HASHES = frozenset(
    {"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"}
)
"""RECORD hash algorithms a wheel may use: those of ``hashlib.algorithms_guaranteed`` with a
digest of at least 256 bits (the wheel spec asks for sha256 or stronger; md5 and sha1 are out)."""

SIGNATURE_FILES = ("RECORD.jws", "RECORD.p7s")
"""dist-info files that sign RECORD; like RECORD itself they carry no hash."""

MAX_UNPACKED_SIZE = 8 << 30
"""The default ceiling on what a wheel's members unpack to, together (8 GiB): the
``max-unpacked-size`` setting. A wheel whose central directory declares more is refused before
anything is unpacked, and no member may unpack to more than it declares, so nothing past the
ceiling is ever decompressed."""

_URLSAFE_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_REBUILD = "rebuild the wheel"
T = TypeVar("T")


def _encode_digest(raw: bytes) -> str:
    """urlsafe base64 of a digest, without padding, as RECORD writes it."""
    return urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _digest(algorithm: str, data: bytes) -> str:
    return _encode_digest(hashlib.new(algorithm, data).digest())


_WELL_FORMED_HASH = re.compile(r"[A-Za-z0-9_]*[A-Za-z0-9][A-Za-z0-9_]*=[A-Za-z0-9_-]+=*")


def _hash_form_problem(value: str) -> str | None:
    if _WELL_FORMED_HASH.fullmatch(value):
        return None  # the usual case, said quickly
    algorithm, sep, digest = value.partition("=")
    digest = digest.rstrip("=")
    if not sep or not algorithm or not digest:
        return f"hash {value!r} is not of the form ALGORITHM=DIGEST"
    if not (algorithm.isascii() and algorithm.replace("_", "").isalnum()):
        return f"hash algorithm {algorithm!r} is not a hashlib name"
    if not set(digest) <= _URLSAFE_B64:
        return f"hash {value!r} is not urlsafe base64"
    return None


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One line of a wheel's RECORD: a member path, its hash and its size in bytes.

    ``hash`` is ``"ALGORITHM=DIGEST"`` (urlsafe base64, no padding). RECORD itself and its
    signature files carry neither (``None``). The constructor checks the form and raises
    ``ValueError``; whether the algorithm is acceptable and the values match the data is for
    :func:`read_wheel` to judge.
    """

    path: str
    hash: str | None
    size: int | None

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("path is empty")
        if "\n" in self.path or "\r" in self.path:
            raise ValueError(f"path {self.path!r} contains a line break")
        if self.hash is not None:
            problem = _hash_form_problem(self.hash)
            if problem:
                raise ValueError(problem)
        if self.size is not None and (
            isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0
        ):
            raise ValueError(f"size {self.size!r} is not a whole number of bytes")

    @classmethod
    def from_row(cls, row: Sequence[str]) -> RecordEntry:
        """An entry from the fields of one CSV row: path, hash, size (the last two may be empty)."""
        if len(row) != 3:
            raise ValueError(f"has {len(row)} fields, expected 3 (path,hash,size)")
        path, hash_, size = row
        size_value: int | None = None
        if size:
            if not (size.isascii() and size.isdigit()):
                raise ValueError(f"size {size!r} is not a whole number of bytes")
            size_value = int(size)
        return cls(path, hash_ or None, size_value)

    @classmethod
    def parse(cls, line: str) -> RecordEntry:
        """An entry from one RECORD line (CSV: a path with a comma or quote comes quoted)."""
        try:
            rows = list(csv.reader([line]))
        except csv.Error as err:
            raise ValueError(f"is not valid CSV ({err})") from err
        return cls.from_row(rows[0] if rows else [])

    @classmethod
    def for_data(cls, path: str, data: bytes, algorithm: str = "sha256") -> RecordEntry:
        """The entry that describes ``data`` stored under ``path``."""
        if algorithm not in ACCEPTED_HASHES:
            raise ValueError(f"hash algorithm {algorithm!r} is not accepted in wheels")
        return cls(path, f"{algorithm}={_digest(algorithm, data)}", len(data))

    @property
    def algorithm(self) -> str | None:
        """``"sha256"`` for ``"sha256=..."``; None without a hash."""
        return None if self.hash is None else self.hash.partition("=")[0]

    def hash_matches(self, data: bytes) -> bool:
        """Whether ``data`` has this entry's hash. The algorithm must be one of ACCEPTED_HASHES."""
        if self.hash is None:
            raise ValueError(f"{self.path} has no hash to compare with")
        algorithm = self.algorithm or ""
        if algorithm not in ACCEPTED_HASHES:
            raise ValueError(f"hash algorithm {algorithm!r} is not accepted in wheels")
        return self.digest_matches(_digest(algorithm, data))

    def digest_matches(self, digest: str) -> bool:
        """Whether ``digest`` (urlsafe base64, computed with this entry's algorithm) is its."""
        return self.hash is not None and self.hash.partition("=")[2].rstrip("=") == digest

    def to_row(self) -> list[str]:
        return [self.path, self.hash or "", "" if self.size is None else str(self.size)]

    def to_line(self) -> str:
        """The RECORD line, without its line end; quoted as the csv module does."""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(self.to_row())
        return buffer.getvalue().removesuffix("\n")


def record_bytes(entries: Iterable[RecordEntry]) -> bytes:
    """The text of a RECORD holding ``entries`` in order, UTF-8, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for entry in entries:
        writer.writerow(entry.to_row())
    return buffer.getvalue().encode("utf-8")


def _unique_tags(tags: Iterable[Tag]) -> list[Tag]:
    return list(dict.fromkeys(tags))


def tag_lines(tags: Sequence[Tag]) -> list[str]:
    """WHEEL's lines for ``tags``: ``["Tag: cp312-cp312-linux_armv7l", ...]``, no duplicates."""
    return [f"Tag: {tag}" for tag in _unique_tags(tags)]


def wheel_filename(name: str, version: str, build: BuildTag, tags: Sequence[Tag]) -> str:
    """``rpds-0.1.0-cp312-cp312-linux_armv7l.whl``: the file name of a wheel with these tags.

    Several tags are compressed as ``wheel tags`` does: the sorted unique interpreters, ABIs and
    platforms each joined by ``.``. A compressed name stands for every combination of its parts,
    so tags that are not such a product are refused (``WheelError``).
    """
    unique = _unique_tags(tags)
    if not unique:
        raise ValueError("a wheel needs at least one tag")
    interpreters = sorted({tag.interpreter for tag in unique})
    abis = sorted({tag.abi for tag in unique})
    platforms = sorted({tag.platform for tag in unique})
    compressed = "-".join(".".join(part) for part in (interpreters, abis, platforms))
    if len(unique) != len(interpreters) * len(abis) * len(platforms):
        listed = ", ".join(str(tag) for tag in unique)
        raise WheelError(
            f"tags {listed} cannot share one wheel file name: {compressed} would stand for every "
            "combination of its parts; give tags that differ in one part only, or build one "
            "wheel per tag"
        )
    parts = [canonicalize_name(name).replace("-", "_"), str(Version(version))]
    if build:
        parts.append(f"{build[0]}{build[1]}")
    parts.append(compressed)
    return "-".join(parts) + ".whl"


def _header_key(line: str) -> str | None:
    """The lower-cased key of an email-style header line; None for continuations and blanks."""
    if not line.strip() or line[0].isspace() or ":" not in line:
        return None
    return line.split(":", 1)[0].strip().lower()


def tag_values(text: str) -> tuple[str, ...]:
    """The values of a WHEEL file's ``Tag:`` lines, in order."""
    return tuple(
        line.split(":", 1)[1].strip() for line in text.splitlines() if _header_key(line) == "tag"
    )


def retag(text: str, tags: Sequence[Tag]) -> str:
    """WHEEL text with its ``Tag:`` lines replaced by one line per tag, where the first stood."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    new_lines = [line + newline for line in tag_lines(tags)]
    out: list[str] = []
    placed = False
    for line in lines:
        if _header_key(line) == "tag":
            if not placed:
                out.extend(new_lines)
                placed = True
            continue
        out.append(line)
    if not placed:
        # No Tag line to stand in for: append after the last header, before any blank lines.
        end = len(out)
        while end and not out[end - 1].strip():
            end -= 1
        if end and not out[end - 1].endswith(("\n", "\r")):
            out[end - 1] += newline
        out[end:end] = new_lines
    return "".join(out)


def _name_problem(name: str) -> str | None:
    """Why a member name is unsafe to extract, or None."""
    if not name:
        return "has an empty name"
    if name.startswith("/"):
        return "is an absolute path"
    if len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha():
        return "starts with a drive letter"
    if "\\" in name:
        return "contains a backslash (a Windows path separator; zip names use '/')"
    if ".." in name.split("/"):
        return "has a '..' component that points outside the install directory"
    if "\x00" in name:
        return "contains a NUL character (unpackers cut the name there, RECORD does not)"
    return None


_NOT_FILES = {
    stat.S_IFLNK: "is a symbolic link",
    stat.S_IFIFO: "is a named pipe",
    stat.S_IFCHR: "is a character device",
    stat.S_IFBLK: "is a block device",
    stat.S_IFSOCK: "is a socket",
}


def _kind_problem(entry: ziparchive.Entry) -> str | None:
    """Why a member is not a file (or a directory entry) by the Unix mode zip keeps, or None.
    Unpackers that honour the mode make a symbolic link member a link, pointing anywhere on the
    installing machine."""
    return _NOT_FILES.get(stat.S_IFMT(entry.external_attr >> 16))


def _size_words(size: int) -> str:
    """``8 GiB``, ``1.5 MiB``, ``512 bytes``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _whole_limit(infos: Sequence[ziparchive.Entry]) -> int:
    """The most WHEEL or RECORD may hold, read whole: what a RECORD line for each member could
    take at most (its name quoted, the longest digest, a size), with room to spare."""
    return 4096 + sum(2 * len(info.raw_name) + 200 for info in infos)


@dataclass(frozen=True)
class WheelContents:
    """What was read from one wheel, verified against its RECORD; built by :func:`read_wheel`.

    It holds the central directory and RECORD, never the members' data: :meth:`read` and
    :meth:`open` read a member from the file again.
    """

    path: Path
    """Where the wheel was read from."""
    filename: str
    """The file name (basename), as found."""
    name: str
    """Normalized project name, from the file name (``rpds-py``)."""
    version: str
    """Normalized version, from the file name."""
    build: BuildTag
    """``()`` or ``(1, "")``, from the file name."""
    tags: frozenset[Tag]
    """The tags the file name stands for."""
    dist_info: str
    """The one ``.dist-info`` directory (``rpds-0.1.0.dist-info``)."""
    wheel_tags: tuple[str, ...]
    """The values of WHEEL's ``Tag:`` lines, in order."""
    entries: tuple[str, ...]
    """Archive member names in archive order (directory entries included)."""
    record: tuple[RecordEntry, ...]
    """RECORD's entries, in order."""
    _members: Mapping[str, ziparchive.Entry] = field(repr=False, compare=False)
    comment: bytes = b""
    """The archive comment."""
    _identity: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)
    """The file's size and modification time when it was verified."""

    @property
    def wheel_path(self) -> str:
        return f"{self.dist_info}/WHEEL"

    @property
    def record_path(self) -> str:
        return f"{self.dist_info}/RECORD"

    @property
    def data_dir(self) -> str:
        """``rpds-0.1.0.data``: where scripts, headers and data files live (it may not exist)."""
        return self.dist_info.removesuffix(".dist-info") + ".data"

    def _entry(self, name: str) -> ziparchive.Entry:
        try:
            return self._members[name]
        except KeyError:
            raise KeyError(f"{self.filename} has no member {name!r}") from None

    def _unchanged(self) -> None:
        """Raise WheelError if the file is no longer the one that was verified."""
        try:
            status = os.stat(self.path)
        except OSError as err:
            raise WheelError(
                f"{self.path}: cannot be read ({err.strerror or err}); check the path"
            ) from err
        if (status.st_size, status.st_mtime_ns) != self._identity:
            raise WheelError(
                f"{self.path}: the file changed after it was verified; run the command again "
                "once nothing else writes it"
            )

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of member ``name`` (whole: for small members such as WHEEL);
        KeyError if there is none."""
        with self.open(name) as stream:
            return stream.read()

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        """A seekable binary stream of member ``name``'s uncompressed data, read from the file on
        demand in bounded memory; KeyError if there is none."""
        entry = self._entry(name)
        self._unchanged()
        try:
            with open(self.path, "rb") as file:
                yield io.BufferedReader(
                    ziparchive.MemberReader(file, entry), ziparchive.MemberReader.BLOCK
                )
        except ziparchive.ZipError as err:
            raise WheelError(
                f"{self.path}: {name}: cannot be read ({err}); the wheel is damaged, {_REBUILD}"
            ) from err
        except OSError as err:
            raise WheelError(
                f"{self.path}: cannot be read ({err.strerror or err}); check the path"
            ) from err

    def size(self, name: str) -> int:
        """Member ``name``'s uncompressed size in bytes."""
        return self._entry(name).size

    def info(self, name: str) -> zipfile.ZipInfo:
        """Member ``name``'s zip metadata (date_time, external_attr, compress_type...)."""
        entry = self._entry(name)
        info = zipfile.ZipInfo(name, date_time=entry.date_time)
        info.compress_type = entry.method
        info.create_system = entry.create_system
        info.external_attr = entry.external_attr
        info.internal_attr = entry.internal_attr
        info.comment = entry.comment
        info.extra = entry.extra
        info.CRC = entry.crc
        info.file_size = entry.size
        info.compress_size = entry.compressed_size
        return info

    def is_dir(self, name: str) -> bool:
        return self._entry(name).is_dir

    def files(self) -> tuple[str, ...]:
        """Member names that are files (not directory entries), in archive order."""
        return tuple(name for name in self.entries if not self._members[name].is_dir)


def _same_version(text: str, version: str) -> bool:
    try:
        return Version(text) == Version(version)
    except InvalidVersion:
        return False


@dataclass(frozen=True, slots=True)
class _Streamed:
    """What streaming one member's data through found: its size, whether it has the hash RECORD
    gives (None: not hashed), or why it could not be read."""

    size: int = 0
    hash_matches: bool | None = None
    problem: str | None = None


def _stream_member(
    stream: BinaryIO,
    entry: ziparchive.Entry,
    expected: RecordEntry | None,
    where: str,
    inspect: Callable[[BinaryIO, int, str], T] | None,
) -> tuple[_Streamed, T | None]:
    """Stream ``entry``'s data through its hash once; with ``inspect``, then hand it a seekable
    view of the data that holds the head and tail of what streamed past (see MemberReader)."""
    hasher = hashlib.new(expected.algorithm) if expected and expected.algorithm else None
    size = 0
    result: T | None = None
    try:
        if inspect is None:
            for chunk in ziparchive.data_chunks(stream, entry):
                size += len(chunk)
                if hasher is not None:
                    hasher.update(chunk)
        else:
            reader = ziparchive.MemberReader(stream, entry)
            size = reader.sweep(hasher.update if hasher is not None else None)
            result = inspect(io.BufferedReader(reader, reader.BLOCK), entry.size, entry.name)
    except ziparchive.UnsupportedMethod as err:
        return _Streamed(problem=f"{where}: {entry.name}: {err}; {_REBUILD} with deflate"), None
    except (ziparchive.ZipError, OSError) as err:
        problem = f"{where}: {entry.name}: cannot be read ({err}); the wheel is damaged, {_REBUILD}"
        return _Streamed(problem=problem), None
    matches = None
    if hasher is not None and expected is not None:
        matches = expected.digest_matches(_encode_digest(hasher.digest()))
    return _Streamed(size, matches), result


def read_wheel(path: Path, *, max_unpacked: int | None = None) -> WheelContents:
    """Read and verify the wheel at ``path``, streaming each member's data once (see
    :func:`read_wheel_inspecting`)."""
    return read_wheel_inspecting(
        path, lambda name: False, lambda stream, size, name: None, max_unpacked=max_unpacked
    )[0]


def read_wheel_inspecting(
    path: Path,
    wants: Callable[[str], bool],
    inspect: Callable[[BinaryIO, int, str], T],
    *,
    max_unpacked: int | None = None,
) -> tuple[WheelContents, dict[str, T]]:
    """Read and verify the wheel at ``path``, streaming each member's data once; each member
    whose name ``wants`` is looked into on the way: ``inspect(stream, size, name)`` gets a
    seekable view of its data, and what it returns is kept under the member's name.

    Raises WheelError listing every problem found, one line each: a bad file name, a file that is
    not a zip, unsafe or duplicate member names, members that are not files (symbolic links),
    not exactly one ``.dist-info`` directory, a missing WHEEL or RECORD, malformed RECORD lines,
    weak hashes (md5, sha1), hashes or sizes that do not match, members RECORD does not list and
    entries the archive does not hold. Members that unpack to more than ``max_unpacked`` bytes
    together (None: :data:`MAX_UNPACKED_SIZE`) are refused before any is unpacked.
    """
    path = Path(path)
    where = str(path)
    problems: list[str] = []

    parsed = None
    try:
        parsed = parse_wheel_filename(path.name)
    except InvalidWheelFilename as err:
        problems.append(
            f"{where}: not a wheel file name ({err}); a wheel is named "
            "NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl"
        )
    try:
        stream = open(path, "rb", buffering=ziparchive.CHUNK)  # noqa: SIM115 (closed below)
    except OSError as err:
        problems.append(f"{where}: cannot be read ({err.strerror or err}); check the path")
        raise WheelError(problems) from err
    with stream:
        try:
            status = os.fstat(stream.fileno())
            infos, comment = ziparchive.read_directory(stream, status.st_size)
        except ziparchive.ZipError as err:
            problems.append(
                f"{where}: not a readable zip archive ({err}); a wheel is a zip file, {_REBUILD}"
            )
            raise WheelError(problems) from err
        except OSError as err:
            problems.append(f"{where}: cannot be read ({err.strerror or err}); check the path")
            raise WheelError(problems) from err
        limit = MAX_UNPACKED_SIZE if max_unpacked is None else max_unpacked
        total = sum(info.size for info in infos)
        if total > limit:
            problems.append(
                f"{where}: its members unpack to {total} bytes ({_size_words(total)}), more than "
                f"the ceiling of {limit} bytes ({_size_words(limit)}, max-unpacked-size); a wheel "
                "this large may be a compression bomb: if it is genuine, raise the ceiling with "
                "--max-unpacked-size SIZE, -C max-unpacked-size=SIZE or "
                "MATURIN_CROSS_MAX_UNPACKED_SIZE"
            )
            raise WheelError(problems)
        identity = (status.st_size, status.st_mtime_ns)
        return _verify(path, parsed, infos, comment, identity, stream, problems, wants, inspect)


def _verify(
    path: Path,
    parsed: tuple[NormalizedName, Version, BuildTag, frozenset[Tag]] | None,
    infos: list[ziparchive.Entry],
    comment: bytes,
    identity: tuple[int, int],
    stream: BinaryIO,
    problems: list[str],
    wants: Callable[[str], bool],
    inspect: Callable[[BinaryIO, int, str], T],
) -> tuple[WheelContents, dict[str, T]]:
    where = str(path)
    damage_at = len(problems)  # members that cannot be read are said first
    members = {info.name: info for info in infos}
    names = list(members)
    unsafe: set[str] = set()
    for name in names:
        problem = _name_problem(name)
        if problem:
            unsafe.add(name)
            problems.append(
                f"{where}: member {name!r} {problem}; a wheel may only hold relative paths "
                f"inside it, {_REBUILD}"
            )
    for info in infos:
        problem = _kind_problem(info)
        if problem:
            unsafe.add(info.name)
            problems.append(
                f"{where}: member {info.name!r} {problem}; a wheel holds only regular files "
                f"(installers would make it one on the installing machine), {_REBUILD}"
            )
    duplicated: set[str] = set()
    for name, count in Counter(info.name for info in infos).items():
        if count > 1:
            duplicated.add(name)
            problems.append(
                f"{where}: member {name!r} appears {count} times; installers would keep only "
                f"one of them, {_REBUILD}"
            )

    tops = {
        name.split("/", 1)[0]
        for name in names
        if name not in unsafe and "/" in name and name.split("/", 1)[0].endswith(".dist-info")
    }
    if len(tops) != 1:
        has = f"{len(tops)} ({', '.join(sorted(tops))})" if tops else "none"
        problems.append(
            f"{where}: a wheel holds exactly one NAME-VERSION.dist-info directory, this one "
            f"has {has}; {_REBUILD}"
        )
        raise WheelError(problems)
    (dist_info,) = tops
    if parsed is not None:
        stem_name, _, stem_version = dist_info.removesuffix(".dist-info").rpartition("-")
        if canonicalize_name(stem_name) != parsed[0] or not _same_version(
            stem_version, str(parsed[1])
        ):
            problems.append(
                f"{where}: {dist_info} does not belong to {parsed[0]} {parsed[1]} named by the "
                "file name; rename the file after its contents or rebuild the wheel"
            )

    # RECORD first: it names the hash each member is streamed through.
    record_path = f"{dist_info}/RECORD"
    wheel_path = f"{dist_info}/WHEEL"
    metadata: dict[str, bytes] = {}
    too_large: dict[str, str] = {}  # read whole, so bounded: the streaming pass skips them
    whole_limit = _whole_limit(infos)
    for name in (wheel_path, record_path):
        if name in members:
            metadata[name] = b""
            if members[name].size > whole_limit:
                too_large[name] = (
                    f"{where}: {name} is {members[name].size} bytes, more than the "
                    f"{len(infos)} members of the wheel could need (at most {whole_limit}); "
                    f"{_REBUILD}"
                )
                continue
            with contextlib.suppress(ziparchive.ZipError, OSError):  # the streaming pass reports it
                metadata[name] = b"".join(ziparchive.data_chunks(stream, members[name]))
    record: list[RecordEntry] = []
    record_problems: list[str] = []
    if record_path in members:
        record = _parse_record(metadata[record_path], f"{where}: {record_path}", record_problems)
    hashed = {
        entry.path: entry
        for entry in record
        if entry.algorithm in ACCEPTED_HASHES and entry.path not in duplicated
    }
    streamed: dict[int, _Streamed] = {}
    inspected: dict[str, T] = {}
    for index, info in sorted(enumerate(infos), key=lambda pair: pair[1].header_offset):
        if info.name in too_large and members[info.name] is info:
            streamed[index] = _Streamed(problem=too_large[info.name])
            continue
        wanted = hashed.get(info.name) if members[info.name] is info else None
        looked = inspect if members[info.name] is info and wants(info.name) else None
        streamed[index], result = _stream_member(stream, info, wanted, where, looked)
        if looked is not None and result is not None:
            inspected[info.name] = result
    unreadable = {infos[i].name for i, found in streamed.items() if found.problem}
    problems[damage_at:damage_at] = [
        found.problem for _, found in sorted(streamed.items()) if found.problem
    ]
    by_name = {info.name: streamed[i] for i, info in enumerate(infos) if members[info.name] is info}

    wheel_tags: tuple[str, ...] = ()
    if wheel_path not in members:
        problems.append(f"{where}: {wheel_path} is missing; {_REBUILD}")
    elif wheel_path not in unreadable:
        try:
            wheel_tags = tag_values(metadata[wheel_path].decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{where}: {wheel_path} is not UTF-8 text; {_REBUILD}")

    if record_path not in members:
        problems.append(f"{where}: {record_path} is missing, nothing can be verified; {_REBUILD}")
        raise WheelError(problems)
    if record_path in unreadable:
        raise WheelError(problems)  # said above; nothing can be verified without it
    problems.extend(record_problems)

    unhashed = {record_path} | {f"{dist_info}/{name}" for name in SIGNATURE_FILES}
    listed = {entry.path for entry in record}
    for name in names:
        if name in unsafe or name in unhashed or members[name].is_dir or name in listed:
            continue
        problems.append(
            f"{where}: {name} is not listed in RECORD; the wheel was changed after it was "
            f"built, {_REBUILD}"
        )
    unchecked = unhashed | unreadable | duplicated  # RECORD has no hash; the rest are reported
    for entry in record:
        problems.extend(_entry_problems(where, entry, by_name, unchecked))

    if problems or parsed is None:  # a bad file name is among the problems
        raise WheelError(problems)
    contents = WheelContents(
        path=path,
        filename=path.name,
        name=str(parsed[0]),
        version=str(parsed[1]),
        build=parsed[2],
        tags=parsed[3],
        dist_info=dist_info,
        wheel_tags=wheel_tags,
        entries=tuple(info.name for info in infos),
        record=tuple(record),
        _members=members,
        comment=comment,
        _identity=identity,
    )
    return contents, inspected


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, one at a time (csv joins quoted line breaks)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _parse_record(data: bytes, where: str, problems: list[str]) -> list[RecordEntry]:
    """RECORD's entries; problems with lines are added to ``problems`` (``where`` names RECORD)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{where} is not UTF-8 text; {_REBUILD}")
        return []
    entries: list[RecordEntry] = []
    first_line: dict[str, int] = {}
    reader = csv.reader(_lines(text))
    try:
        for row in reader:
            if not row:
                continue
            try:
                entry = RecordEntry.from_row(row)
            except ValueError as err:
                problems.append(f"{where} line {reader.line_num}: {err}; {_REBUILD}")
                continue
            if entry.path in first_line:
                problems.append(
                    f"{where} line {reader.line_num}: {entry.path} is listed again (first on "
                    f"line {first_line[entry.path]}); {_REBUILD}"
                )
                continue
            first_line[entry.path] = reader.line_num
            entries.append(entry)
    except csv.Error as err:
        problems.append(f"{where} line {reader.line_num}: not valid CSV ({err}); {_REBUILD}")
    return entries


def _entry_problems(
    where: str,
    entry: RecordEntry,
    members: Mapping[str, _Streamed],
    unchecked: set[str],
) -> list[str]:
    if entry.path not in members:
        return [
            f"{where}: RECORD lists {entry.path} but the wheel has no such member; the wheel "
            f"was changed after it was built, {_REBUILD}"
        ]
    if entry.path in unchecked:
        return []
    if entry.hash is None or entry.size is None:
        return [f"{where}: {entry.path} has no hash or no size in RECORD; {_REBUILD}"]
    if entry.algorithm not in ACCEPTED_HASHES:
        return [
            f"{where}: {entry.path} is hashed with {entry.algorithm} in RECORD, which wheels may "
            f"not use (sha256 or stronger); {_REBUILD}"
        ]
    found = members[entry.path]
    problems = []
    if not found.hash_matches:
        problems.append(
            f"{where}: {entry.path} does not match its {entry.algorithm} hash in RECORD; the "
            f"file was changed after the wheel was built, {_REBUILD}"
        )
    if entry.size != found.size:
        problems.append(
            f"{where}: {entry.path} is {found.size} bytes, RECORD says {entry.size}; the file "
            f"was changed after the wheel was built, {_REBUILD}"
        )
    return problems


def _rename_problems(contents: WheelContents, renames: Mapping[str, str]) -> list[str]:
    where = str(contents.path)
    fixed = {contents.wheel_path, contents.record_path} | {
        f"{contents.dist_info}/{name}" for name in SIGNATURE_FILES
    }
    problems = []
    for old, new in renames.items():
        if old not in contents.entries:
            problems.append(f"{where}: cannot rename {old}: the wheel has no such member")
            continue
        if old == new:
            continue
        if old in fixed:
            problems.append(f"{where}: cannot rename {old}: the wheel's metadata keeps its name")
            continue
        if contents.is_dir(old):
            problems.append(
                f"{where}: cannot rename the directory entry {old}; rename the files in it"
            )
            continue
        why = _name_problem(new)
        if why is None and new.endswith("/"):
            why = "ends with '/', which names a directory"
        if why is None and new in fixed:
            why = "belongs to the wheel's metadata"
        top = new.split("/", 1)[0]
        if why is None and "/" in new and top.endswith(".dist-info") and top != contents.dist_info:
            why = f"would make a second .dist-info directory next to {contents.dist_info}"
        if why is not None:
            problems.append(f"{where}: cannot rename {old} to {new!r}: the new name {why}")
    targets: dict[str, list[str]] = {}
    for name in contents.entries:
        targets.setdefault(renames.get(name, name), []).append(name)
    for new, olds in targets.items():
        if len(olds) > 1:
            problems.append(
                f"{where}: renaming would give {len(olds)} members the name {new} "
                f"({', '.join(olds)}); choose names that differ"
            )
    return problems


def filename_for(contents: WheelContents, tags: Sequence[Tag] | None) -> str:
    """The file name of ``contents`` retagged with ``tags`` (None: its own)."""
    if tags is None:
        return contents.filename
    return wheel_filename(contents.name, contents.version, contents.build, tags)


def rewrite_wheel(
    contents: WheelContents,
    out_dir: Path,
    *,
    renames: Mapping[str, str],
    tags: Sequence[Tag] | None,
) -> Path:
    """Write a copy of ``contents`` into ``out_dir`` with members renamed and tags replaced.

    ``renames`` maps old member names to new ones; a renamed member keeps its data, its zip
    metadata and its RECORD hash and size. ``tags`` (None: unchanged) replaces WHEEL's ``Tag:``
    lines and the tag part of the file name. Every other entry keeps its bytes, date_time,
    permissions, compression and place; RECORD is regenerated and written last; signatures of
    the old RECORD (RECORD.jws, RECORD.p7s) are dropped, being no longer true. Members are
    copied compressed, as they are, never held whole in memory. The wheel is written to a temp
    file in ``out_dir`` and moved over any file of the same name (keeping that file's mode), so
    nothing partial is ever left; the input file is never modified. Returns the new wheel's
    path.
    """
    out_dir = Path(out_dir)
    problems = _rename_problems(contents, renames)
    if problems:
        raise WheelError(problems)
    new_tags = None if tags is None else _unique_tags(tags)
    target = out_dir / filename_for(contents, new_tags)

    old_record = {entry.path: entry for entry in contents.record}
    dropped = {f"{contents.dist_info}/{name}" for name in SIGNATURE_FILES}
    record: list[RecordEntry] = []
    try:
        contents._unchanged()
        out_dir.mkdir(parents=True, exist_ok=True)
        with open(contents.path, "rb") as source, atomic.replacing(target) as out:
            writer = ziparchive.Writer(out)
            for name in contents.entries:
                if name == contents.record_path or name in dropped:
                    continue
                member = contents._members[name]
                start, local_extra = ziparchive.local_header(source, member)
                new_name = renames.get(name, name)
                written = member.renamed(new_name) if new_name != name else member
                entry = old_record.get(name)
                if name == contents.wheel_path and new_tags is not None:
                    text = b"".join(ziparchive.data_chunks(source, member)).decode("utf-8")
                    data = retag(text, new_tags).encode("utf-8")
                    writer.add_bytes(written, local_extra, data)
                    entry = RecordEntry.for_data(new_name, data)
                else:
                    chunks = ziparchive.raw_chunks(source, start, member.compressed_size)
                    writer.add_raw(written, local_extra, chunks)
                    if entry is not None and new_name != name:
                        entry = RecordEntry(new_name, entry.hash, entry.size)
                if entry is not None:
                    record.append(entry)
            record.append(RecordEntry(contents.record_path, None, None))
            record_member = contents._members[contents.record_path]
            _, local_extra = ziparchive.local_header(source, record_member)
            writer.add_bytes(record_member, local_extra, record_bytes(record))
            writer.finish(contents.comment)
    except OSError as err:
        raise WheelError(
            f"{target}: cannot write the wheel ({err}); check that {out_dir} is a writable "
            "directory"
        ) from err
    except ziparchive.ZipError as err:
        raise WheelError(
            f"{contents.path}: cannot be read ({err}); the wheel is damaged, {_REBUILD}"
        ) from err
    return target
