"""Read and verify a wheel: every member against RECORD, in one streamed pass over the file.

Pure: no process, no printing, no host interpreter. Memory stays bounded whatever the wheel's
size: :func:`read_wheel_inspecting` keeps the central directory and RECORD, and verifies every
member's hash and size against RECORD while streaming its data through in chunks; a member is
looked into through a seekable stream (:meth:`WheelContents.open`).

Each check says its problems, one line each, and :func:`_verify` puts them together in the order
a reader needs them: the file name, members that cannot be read, the members' names and kinds, the
``.dist-info`` directory, WHEEL, RECORD's lines, and what RECORD and the archive disagree on.
"""

from __future__ import annotations

import array
import contextlib
import io
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple, TypeVar

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
from maturin_cross.support import files
from maturin_cross.support.lanes import Lane
from maturin_cross.wheel import ziparchive
from maturin_cross.wheel.record import (
    REBUILD,
    SIGNATURE_FILES,
    Hash,
    RecordEntry,
    parse_record,
)
from maturin_cross.wheel.tags import tag_values

MAX_UNPACKED_SIZE = 8 << 30
"""The default ceiling on what a wheel's members unpack to, together (8 GiB): the
``max-unpacked-size`` setting. A wheel whose central directory declares more is refused before
anything is unpacked, and no member may unpack to more than it declares, so nothing past the
ceiling is ever decompressed."""

T = TypeVar("T")


def name_problem(name: str) -> str | None:
    """Why a member name is unsafe to extract, or None."""
    if not name:
        return "has an empty name"
    if name.startswith("/"):
        return "is an absolute path"
    if len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha():
        return "starts with a drive letter"
    if "\\" in name:
        return "contains a backslash (a Windows path separator; zip names use '/')"
    if ".." in name and ".." in name.split("/"):
        return "has a '..' component that points outside the install directory"
    if "\x00" in name:
        return "contains a NUL character (unpackers cut the name there, RECORD does not)"
    return None


_NOT_FILES = frozenset({stat.S_IFLNK, stat.S_IFIFO, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFSOCK})
"""The kinds of file a member may not say it is (:func:`maturin_cross.support.files.kind`
words them)."""


def _kind_problem(entry: ziparchive.Entry) -> str | None:
    """Why a member is not a file (or a directory entry) by the Unix mode zip keeps, or None.
    Unpackers that honour the mode make a symbolic link member a link, pointing anywhere on the
    installing machine."""
    mode = entry.external_attr >> 16
    return f"is {files.kind(mode)}" if stat.S_IFMT(mode) in _NOT_FILES else None


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
    """What was read from one wheel, verified against its RECORD; built by
    :func:`read_wheel_inspecting`.

    It holds the central directory and RECORD, never the members' data: :meth:`open` reads a
    member from the file again.
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
    _raw_crcs: Sequence[int] = field(default=(), repr=False, compare=False)
    """The CRC-32 of each member's compressed bytes as the pass read them, in archive order."""

    @property
    def wheel_path(self) -> str:
        return f"{self.dist_info}/WHEEL"

    @property
    def record_path(self) -> str:
        return f"{self.dist_info}/RECORD"

    def zip_entry(self, name: str) -> ziparchive.Entry:
        """Member ``name``'s record in the central directory, as read: for copying the member
        as it is (:func:`maturin_cross.wheel.rewrite.rewrite_wheel`). KeyError if there is none."""
        try:
            return self._members[name]
        except KeyError:
            raise KeyError(f"{self.filename} has no member {name!r}") from None

    def check_unchanged(self) -> None:
        """Raise WheelError if the file is no longer the one that was verified: what is read
        from it again must be what was checked."""
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

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        """A seekable binary stream of member ``name``'s uncompressed data, read from the file on
        demand in bounded memory; KeyError if there is none."""
        entry = self.zip_entry(name)
        self.check_unchanged()
        try:
            with open(self.path, "rb") as file:
                yield io.BufferedReader(
                    ziparchive.MemberReader(file, entry), ziparchive.MemberReader.BLOCK
                )
        except ziparchive.ZipError as err:
            raise WheelError(
                f"{self.path}: {name}: cannot be read ({err}); the wheel is damaged, {REBUILD}"
            ) from err
        except OSError as err:
            raise WheelError(
                f"{self.path}: cannot be read ({err.strerror or err}); check the path"
            ) from err

    def raw_crc(self, index: int) -> int | None:
        """The CRC-32 of the compressed bytes of the member ``entries[index]`` as the pass that
        verified this wheel read them: what a copy of them must give (None: not kept)."""
        return self._raw_crcs[index] if index < len(self._raw_crcs) else None

    def size(self, name: str) -> int:
        """Member ``name``'s uncompressed size in bytes."""
        return self.zip_entry(name).size

    def is_dir(self, name: str) -> bool:
        return self.zip_entry(name).is_dir


def _same_version(text: str, version: str) -> bool:
    try:
        return Version(text) == Version(version)
    except InvalidVersion:
        return False


class Seen(NamedTuple):
    """What a verified wheel's member was found to be: its size and the RECORD hash its data has
    (None: RECORD gives none). What a wheel written from it is checked by
    (:func:`verify_written`)."""

    size: int
    hash: Hash | None = None


class _Streamed(NamedTuple):
    """What streaming one member's data through found: its size, whether it has the hash RECORD
    gives (None: not hashed), or why it could not be read."""

    size: int = 0
    hash_matches: bool | None = None
    problem: str | None = None
    raw_crc: int = 0
    """The CRC-32 of its compressed bytes, as read."""


_UNHASHED, _MATCHES, _DIFFERS = 0, 1, 2


class _Found:
    """What streaming every member's data found (:class:`_Streamed`), in archive order, kept in
    a few bytes a member rather than an object each (memory grows with their number)."""

    __slots__ = ("_hashes", "_sizes", "problems", "raw_crcs")

    def __init__(self, count: int) -> None:
        self._sizes = array.array("Q", bytes(8 * count))
        self._hashes = bytearray(count)
        self.raw_crcs = array.array("I", bytes(4 * count))
        """The CRC-32 of each member's compressed bytes, as read."""
        self.problems: dict[int, str] = {}
        """Why each member that could not be read could not, by its index."""

    def put(self, index: int, found: _Streamed) -> None:
        size, matches, problem, raw_crc = found
        if problem is not None:
            self.problems[index] = problem
            return
        self._sizes[index] = size
        self._hashes[index] = _UNHASHED if matches is None else _MATCHES if matches else _DIFFERS
        self.raw_crcs[index] = raw_crc

    def size(self, index: int) -> int:
        return self._sizes[index]

    def hash_matches(self, index: int) -> bool | None:
        found = self._hashes[index]
        return None if found == _UNHASHED else found == _MATCHES


INSPECT_WHOLE = 8 << 20
"""A member looked into that unpacks to no more than this is held whole while it is looked
into; a larger one is looked into through :class:`maturin_cross.wheel.ziparchive.MemberReader`,
which keeps its head and its tail and inflates it again from the file for anything else."""


def _stream_member(
    stream: BinaryIO,
    entry: ziparchive.Entry,
    expected: RecordEntry | None,
    where: str,
    inspect: Callable[[BinaryIO, int, str], T] | None,
    lane: Lane,
) -> tuple[_Streamed, T | None]:
    """Stream ``entry``'s data through its hash once (on ``lane``, while the next piece is
    inflated); with ``inspect``, then hand it a seekable view of the data. ``expected`` must have
    a hash wheels may use."""
    hasher = expected.hash.hasher() if expected is not None and expected.hash else None
    raw_crc = ziparchive.Crc()
    size = 0
    result: T | None = None

    def hashed(chunk: bytes) -> None:
        if hasher is not None:
            lane.run(hasher.update, chunk)

    try:
        small = ziparchive.small_member(stream, entry)
        if small is not None:  # read, inflated and checked in one step
            data, raw_crc.value = small
            size = len(data)
            hashed(data)  # on the lane while it is looked into, if it is worth it (Lane.run)
            if inspect is not None:
                result = inspect(io.BytesIO(data), entry.size, entry.name)
        elif inspect is None or entry.size <= INSPECT_WHOLE:
            pieces: list[bytes] = []
            for chunk in ziparchive.data_chunks(stream, entry, lane=lane, raw_crc=raw_crc):
                size += len(chunk)
                hashed(chunk)
                if inspect is not None:
                    pieces.append(chunk)
            if inspect is not None:
                data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
                del pieces
                result = inspect(io.BytesIO(data), entry.size, entry.name)
        else:
            reader = ziparchive.MemberReader(stream, entry)
            size = reader.sweep(hashed, lane=lane, raw_crc=raw_crc)
            result = inspect(io.BufferedReader(reader, reader.BLOCK), entry.size, entry.name)
        lane.wait()
    except ziparchive.UnsupportedMethod as err:
        return _Streamed(problem=f"{where}: {entry.name}: {err}; {REBUILD} with deflate"), None
    except (ziparchive.ZipError, OSError) as err:
        problem = f"{where}: {entry.name}: cannot be read ({err}); the wheel is damaged, {REBUILD}"
        return _Streamed(problem=problem), None
    matches = None
    if hasher is not None and expected is not None and expected.hash is not None:
        matches = expected.hash.matches(hasher.digest())
    return _Streamed(size, matches, raw_crc=raw_crc.value), result


_Parsed = tuple[NormalizedName, Version, BuildTag, frozenset[Tag]]


@dataclass(frozen=True)
class _Directory:
    """A wheel's central directory as read, and the file's size and modification time then."""

    infos: list[ziparchive.Entry]
    comment: bytes
    identity: tuple[int, int]


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
    parsed, problems = _filename(path)
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
                f"{where}: not a readable zip archive ({err}); a wheel is a zip file, {REBUILD}"
            )
            raise WheelError(problems) from err
        except OSError as err:
            problems.append(f"{where}: cannot be read ({err.strerror or err}); check the path")
            raise WheelError(problems) from err
        ceiling = _ceiling_problems(where, infos, max_unpacked)
        if ceiling:
            raise WheelError(problems + ceiling)
        directory = _Directory(infos, comment, (status.st_size, status.st_mtime_ns))
        members = {info.name: info for info in infos}

        def read_whole(names: Sequence[str]) -> tuple[dict[str, bytes], dict[str, str]]:
            return _read_whole(where, stream, infos, members, names)

        with Lane() as lane:

            def stream_all(
                hashed: Mapping[str, RecordEntry], too_large: Mapping[str, str]
            ) -> tuple[_Found, dict[str, T]]:
                looking = (wants, inspect)
                return _stream_all(where, stream, infos, hashed, too_large, looking, lane, members)

            return _verify(path, directory, (parsed, problems), read_whole, stream_all)


def verify_written(
    path: Path,
    written: Sequence[ziparchive.Entry],
    comment: bytes,
    data: Mapping[str, bytes],
    seen: Callable[[str], Seen | None],
    record: Sequence[RecordEntry],
) -> WheelContents:
    """The checks of :func:`read_wheel_inspecting` made on a wheel this process has just
    written, without reading it again: from its central directory as written (``written``),
    WHEEL's data (``data``), the entries RECORD was written from (``record``, taken as they are
    instead of parsed again) and, for each member by its name in the new wheel, what it was
    verified to be in the wheel it was copied from (``seen``). A member must be written with
    the size it was verified to have, and RECORD must give it the hash its data was verified to
    have. Raises WheelError listing every problem, as :func:`read_wheel_inspecting` does."""
    path = Path(path)
    where = str(path)
    status = os.stat(path)
    directory = _Directory(list(written), comment, (status.st_size, status.st_mtime_ns))

    def read_whole(names: Sequence[str]) -> tuple[dict[str, bytes], dict[str, str]]:
        return {name: data[name] for name in names if name in data}, {}

    def stream_all(
        hashed: Mapping[str, RecordEntry], too_large: Mapping[str, str]
    ) -> tuple[_Found, dict[str, None]]:
        found = _Found(len(written))
        for index, info in enumerate(written):
            found.put(index, _as_written(where, info, seen(info.name), hashed))
        return found, {}

    contents, _ = _verify(
        path,
        directory,
        _filename(path),
        read_whole,
        stream_all,
        (list(record), []),
        keep_raw_crcs=False,
    )
    return contents


def _as_written(
    where: str, info: ziparchive.Entry, seen: Seen | None, hashed: Mapping[str, RecordEntry]
) -> _Streamed:
    """What a member written by this process is, from what it was verified to be when it was
    read (None: RECORD does not list it, as a directory entry; any other such member is said
    by the check of what RECORD lists)."""
    if seen is None:
        return _Streamed(info.size)
    if info.size != seen.size:
        return _Streamed(
            problem=f"{where}: {info.name}: was written with another size than it was read "
            "with; this is maturin-cross's fault, please report it"
        )
    expected = hashed.get(info.name)
    matches = None
    if expected is not None and expected.hash is not None:  # most often the very same Hash
        matches = seen.hash is expected.hash or (
            seen.hash is not None and seen.hash == expected.hash
        )
    return _Streamed(seen.size, matches)


def _filename(path: Path) -> tuple[_Parsed | None, list[str]]:
    """What the file name says (None: it is not a wheel's), and the problem if it is not."""
    try:
        return parse_wheel_filename(path.name), []
    except InvalidWheelFilename as err:
        return None, [
            f"{path}: not a wheel file name ({err}); a wheel is named "
            "NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl"
        ]


def _ceiling_problems(
    where: str, infos: Sequence[ziparchive.Entry], max_unpacked: int | None
) -> list[str]:
    """Members that would unpack to more than the ceiling, together: said before any is."""
    limit = MAX_UNPACKED_SIZE if max_unpacked is None else max_unpacked
    total = sum(info.size for info in infos)
    if total <= limit:
        return []
    return [
        f"{where}: its members unpack to {total} bytes ({_size_words(total)}), more than "
        f"the ceiling of {limit} bytes ({_size_words(limit)}, max-unpacked-size); a wheel "
        "this large may be a compression bomb: if it is genuine, raise the ceiling with "
        "--max-unpacked-size SIZE, -C max-unpacked-size=SIZE or "
        "MATURIN_CROSS_MAX_UNPACKED_SIZE"
    ]


_ReadWhole = Callable[[Sequence[str]], tuple[dict[str, bytes], dict[str, str]]]
"""The data of the named members (WHEEL, RECORD) and the problem of each too large to read."""


def _verify(
    path: Path,
    directory: _Directory,
    filename: tuple[_Parsed | None, list[str]],
    read_whole: _ReadWhole,
    stream_all: Callable[
        [Mapping[str, RecordEntry], Mapping[str, str]], tuple[_Found, dict[str, T]]
    ],
    record_read: tuple[list[RecordEntry], list[str]] | None = None,
    *,
    keep_raw_crcs: bool = True,
) -> tuple[WheelContents, dict[str, T]]:
    """The checks, in the order their problems are said; raises WheelError with all of them.
    ``read_whole`` gives WHEEL's and RECORD's data; ``stream_all`` what each member's data was
    found to be (given the RECORD entries to hash them by and the members too large to read);
    ``record_read``, RECORD's entries and problems when they are known (None: parsed from its
    data); ``keep_raw_crcs``: the contents keep the CRC-32 of each member's compressed bytes (to
    write a wheel from them)."""
    where = str(path)
    parsed, first = filename
    infos = directory.infos
    members = {info.name: info for info in infos}  # the last of a duplicated name
    names = list(members)
    # Each rule once a member: the names that break one are said, and are unsafe.
    named = {name: problem for name in names if (problem := name_problem(name))}
    kinds = [(info.name, problem) for info in infos if (problem := _kind_problem(info))]
    unsafe = {*named, *(name for name, _ in kinds)}
    counts = Counter(info.name for info in infos) if len(members) < len(infos) else Counter()
    duplicated = {name for name, count in counts.items() if count > 1}
    layout = [
        *_name_problems(where, named),
        *_kind_problems(where, kinds),
        *_duplicate_problems(where, counts),
    ]
    tops = _dist_info_dirs(names, unsafe)
    if len(tops) != 1:
        raise WheelError([*first, *layout, _dist_info_count_problem(where, tops)])
    (dist_info,) = tops
    layout += _dist_info_name_problems(where, dist_info, parsed)

    # RECORD first: it names the hash each member is streamed through.
    record_path = f"{dist_info}/RECORD"
    wheel_path = f"{dist_info}/WHEEL"
    metadata, too_large = read_whole((wheel_path, record_path))
    record: list[RecordEntry] = []
    record_problems: list[str] = []
    if record_read is not None:
        record, record_problems = record_read
    elif record_path in members:

        def same(path: str) -> str:
            member = members.get(path)
            return path if member is None else member.name

        # Its data is let go once parsed (it grows with the number of members).
        data = metadata.pop(record_path)
        record, record_problems = parse_record(data, f"{where}: {record_path}", same)
        del data
    hashed = {
        entry.path: entry
        for entry in record
        if entry.hash is not None and entry.hash.accepted and entry.path not in duplicated
    }
    found, inspected = stream_all(hashed, too_large)
    unreadable = {infos[i].name for i in found.problems}
    wheel_tags, wheel_problems = _wheel_file(where, wheel_path, members, unreadable, metadata)

    # Members that cannot be read are said first, after the file name.
    damage = [found.problems[i] for i in sorted(found.problems)]
    problems = [*first, *damage, *layout, *wheel_problems]
    if record_path not in members:
        problems.append(f"{where}: {record_path} is missing, nothing can be verified; {REBUILD}")
        raise WheelError(problems)
    if record_path in unreadable:
        raise WheelError(problems)  # said above; nothing can be verified without it
    problems += record_problems
    unhashed = {record_path} | {f"{dist_info}/{name}" for name in SIGNATURE_FILES}
    skipped = unsafe | unhashed | {name for name in names if members[name].is_dir}
    problems += _unlisted_problems(where, names, skipped, {entry.path for entry in record})
    unchecked = unhashed | unreadable | duplicated  # RECORD has no hash; the rest are reported
    index = {info.name: number for number, info in enumerate(infos)}  # the last of a name
    for entry in record:
        problems += _entry_problems(where, entry, (index, found), unchecked)
    del index

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
        comment=directory.comment,
        _identity=directory.identity,
        _raw_crcs=found.raw_crcs if keep_raw_crcs else (),
    )
    return contents, inspected


def _name_problems(where: str, named: Mapping[str, str]) -> list[str]:
    """Member names an unpacker would put outside the install directory, or cut short (each
    with its :func:`name_problem`)."""
    return [
        f"{where}: member {name!r} {problem}; a wheel may only hold relative paths inside it, "
        f"{REBUILD}"
        for name, problem in named.items()
    ]


def _kind_problems(where: str, kinds: Sequence[tuple[str, str]]) -> list[str]:
    """Members that are not regular files (symbolic links, devices...), each with its
    :func:`_kind_problem`."""
    return [
        f"{where}: member {name!r} {problem}; a wheel holds only regular files (installers "
        f"would make it one on the installing machine), {REBUILD}"
        for name, problem in kinds
    ]


def _duplicate_problems(where: str, counts: Mapping[str, int]) -> list[str]:
    """Names held by more than one member (``counts``: how many hold each name)."""
    return [
        f"{where}: member {name!r} appears {count} times; installers would keep only "
        f"one of them, {REBUILD}"
        for name, count in counts.items()
        if count > 1
    ]


def _dist_info_dirs(names: Sequence[str], unsafe: set[str]) -> set[str]:
    """The ``.dist-info`` directories the safe member names are in."""
    tops = {name.partition("/")[0] for name in names if "/" in name and name not in unsafe}
    return {top for top in tops if top.endswith(".dist-info")}


def _dist_info_count_problem(where: str, tops: set[str]) -> str:
    has = f"{len(tops)} ({', '.join(sorted(tops))})" if tops else "none"
    return (
        f"{where}: a wheel holds exactly one NAME-VERSION.dist-info directory, this one "
        f"has {has}; {REBUILD}"
    )


def _dist_info_name_problems(where: str, dist_info: str, parsed: _Parsed | None) -> list[str]:
    """A .dist-info directory that names another project or version than the file name."""
    if parsed is None:
        return []
    stem_name, _, stem_version = dist_info.removesuffix(".dist-info").rpartition("-")
    if canonicalize_name(stem_name) == parsed[0] and _same_version(stem_version, str(parsed[1])):
        return []
    return [
        f"{where}: {dist_info} does not belong to {parsed[0]} {parsed[1]} named by the "
        "file name; rename the file after its contents or rebuild the wheel"
    ]


def _read_whole(
    where: str,
    stream: BinaryIO,
    infos: Sequence[ziparchive.Entry],
    members: Mapping[str, ziparchive.Entry],
    names: Sequence[str],
) -> tuple[dict[str, bytes], dict[str, str]]:
    """The data of the members ``names`` that exist (WHEEL, RECORD), read whole; and the problem
    of each that is larger than it could need to be, left unread. A member that cannot be read
    is empty here: streaming it says why."""
    data: dict[str, bytes] = {}
    too_large: dict[str, str] = {}
    limit = _whole_limit(infos)
    for name in names:
        if name not in members:
            continue
        data[name] = b""
        if members[name].size > limit:
            too_large[name] = (
                f"{where}: {name} is {members[name].size} bytes, more than the "
                f"{len(infos)} members of the wheel could need (at most {limit}); {REBUILD}"
            )
            continue
        with contextlib.suppress(ziparchive.ZipError, OSError):  # the streaming pass reports it
            data[name] = b"".join(ziparchive.data_chunks(stream, members[name]))
    return data, too_large


def _stream_all(
    where: str,
    stream: BinaryIO,
    infos: Sequence[ziparchive.Entry],
    hashed: Mapping[str, RecordEntry],
    too_large: Mapping[str, str],
    looking: tuple[Callable[[str], bool], Callable[[BinaryIO, int, str], T]],
    lane: Lane,
    last: Mapping[str, ziparchive.Entry],
) -> tuple[_Found, dict[str, T]]:
    """Every member's data streamed through once, in the order it lies in the file: what each
    was found to be (in archive order), and what ``inspect`` made of those ``wants`` names
    (``looking`` is the two). Of a duplicated name, only the last member (the one ``last``
    gives) is hashed or inspected."""
    wants, inspect = looking
    found = _Found(len(infos))
    inspected: dict[str, T] = {}
    offsets = [info.header_offset for info in infos]
    order: Sequence[int] = range(len(infos))
    if offsets != sorted(offsets):  # archives are nearly always written in their order
        order = sorted(order, key=offsets.__getitem__)
    del offsets
    for index in order:
        info = infos[index]
        is_last = last[info.name] is info
        if info.name in too_large and is_last:
            found.put(index, _Streamed(problem=too_large[info.name]))
            continue
        wanted = hashed.get(info.name) if is_last else None
        looked = inspect if is_last and wants(info.name) else None
        streamed, result = _stream_member(stream, info, wanted, where, looked, lane)
        found.put(index, streamed)
        if looked is not None and result is not None:
            inspected[info.name] = result
    return found, inspected


def _wheel_file(
    where: str,
    wheel_path: str,
    members: Mapping[str, ziparchive.Entry],
    unreadable: set[str],
    metadata: Mapping[str, bytes],
) -> tuple[tuple[str, ...], list[str]]:
    """WHEEL's ``Tag:`` values, and its problems: missing, or not text."""
    if wheel_path not in members:
        return (), [f"{where}: {wheel_path} is missing; {REBUILD}"]
    if wheel_path in unreadable:
        return (), []  # said with the members that cannot be read
    try:
        return tag_values(metadata[wheel_path].decode("utf-8")), []
    except UnicodeDecodeError:
        return (), [f"{where}: {wheel_path} is not UTF-8 text; {REBUILD}"]


def _unlisted_problems(
    where: str, names: Sequence[str], skipped: set[str], listed: set[str]
) -> list[str]:
    """Members RECORD does not list (but for ``skipped``: said otherwise, or never listed)."""
    return [
        f"{where}: {name} is not listed in RECORD; the wheel was changed after it was "
        f"built, {REBUILD}"
        for name in names
        if name not in skipped and name not in listed
    ]


def _entry_problems(
    where: str,
    entry: RecordEntry,
    streamed: tuple[Mapping[str, int], _Found],
    unchecked: set[str],
) -> list[str]:
    """What is wrong with one RECORD entry against the member it lists (``streamed``: each
    member's index by name, and what streaming them found)."""
    index, found = streamed
    number = index.get(entry.path)
    if number is None:
        return [
            f"{where}: RECORD lists {entry.path} but the wheel has no such member; the wheel "
            f"was changed after it was built, {REBUILD}"
        ]
    if entry.path in unchecked:
        return []
    if entry.hash is None or entry.size is None:
        return [f"{where}: {entry.path} has no hash or no size in RECORD; {REBUILD}"]
    if not entry.hash.accepted:
        return [
            f"{where}: {entry.path} is hashed with {entry.hash.algorithm} in RECORD, which "
            f"wheels may not use (sha256 or stronger); {REBUILD}"
        ]
    problems = []
    if not found.hash_matches(number):
        problems.append(
            f"{where}: {entry.path} does not match its {entry.hash.algorithm} hash in RECORD; "
            f"the file was changed after the wheel was built, {REBUILD}"
        )
    size = found.size(number)
    if entry.size != size:
        problems.append(
            f"{where}: {entry.path} is {size} bytes, RECORD says {entry.size}; the file "
            f"was changed after the wheel was built, {REBUILD}"
        )
    return problems
