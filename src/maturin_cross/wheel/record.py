"""A wheel's RECORD: the hash of a member (:class:`Hash`), one line of RECORD
(:class:`RecordEntry`), and RECORD's text read and written.

Pure. A hash and an entry are checked once, when they are made; what reads a wheel then judges
whether the algorithm is acceptable and whether the values match the data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from binascii import b2a_base64
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

ACCEPTED_HASHES = frozenset(
    {"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"}
)
"""RECORD hash algorithms a wheel may use: those of ``hashlib.algorithms_guaranteed`` with a
digest of at least 256 bits (the wheel spec asks for sha256 or stronger; md5 and sha1 are out)."""

SIGNATURE_FILES = ("RECORD.jws", "RECORD.p7s")
"""dist-info files that sign RECORD; like RECORD itself they carry no hash."""

REBUILD = "rebuild the wheel"
"""What to do about a damaged or altered wheel: the end of every message that finds one."""

_URLSAFE = bytes.maketrans(b"+/", b"-_")
"""base64 to urlsafe base64 (what ``base64.urlsafe_b64encode`` does, in one step)."""
_ALGORITHMS = {name: name for name in ACCEPTED_HASHES}
_MAKERS: dict[str, Callable[[], hashlib._Hash]] = {
    name: getattr(hashlib, name) for name in ACCEPTED_HASHES
}
"""hashlib's constructor of each accepted algorithm (``hashlib.new`` looks names up each time)."""
_URLSAFE_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_WELL_FORMED = re.compile(r"[A-Za-z0-9_]*[A-Za-z0-9][A-Za-z0-9_]*=[A-Za-z0-9_-]+=*")


def _encode_digest(raw: bytes) -> str:
    """urlsafe base64 of a digest, without padding, as RECORD writes it."""
    return b2a_base64(raw, newline=False).translate(_URLSAFE).rstrip(b"=").decode("ascii")


def _form_problem(algorithm: str, digest: str, text: str) -> str | None:
    """Why ``text`` (``algorithm=digest``) is not a RECORD hash, or None."""
    if _WELL_FORMED.fullmatch(text):
        return None  # the usual case, said quickly
    unpadded = digest.rstrip("=")
    if not algorithm or not unpadded or "=" not in text:
        return f"hash {text!r} is not of the form ALGORITHM=DIGEST"
    if not (algorithm.isascii() and algorithm.replace("_", "").isalnum()):
        return f"hash algorithm {algorithm!r} is not a hashlib name"
    if not set(unpadded) <= _URLSAFE_B64:
        return f"hash {text!r} is not urlsafe base64"
    return None


@dataclass(frozen=True, slots=True)
class Hash:
    """A member's hash as RECORD gives it: ``sha256=DIGEST``, the digest in urlsafe base64.

    Made from RECORD's text by :meth:`parse`, from data by :meth:`of`; the constructor checks the
    form and raises ``ValueError``. The digest is kept as written (a wheel may pad it with
    ``=``), so a hash carried over to a new RECORD is written as it came; comparing with data
    ignores the padding.
    """

    algorithm: str
    digest: str

    def __post_init__(self) -> None:
        problem = _form_problem(self.algorithm, self.digest, str(self))
        if problem:
            raise ValueError(problem)

    @classmethod
    def parse(cls, text: str) -> Hash:
        """The hash RECORD's hash field ``text`` gives; ValueError if it is not one."""
        algorithm, equals, digest = text.partition("=")
        if not equals:
            raise ValueError(f"hash {text!r} is not of the form ALGORITHM=DIGEST")
        # Checked once, by the constructor (``str()`` of it is ``text``); the algorithm's name
        # is the one string of ACCEPTED_HASHES, not a copy a line (memory grows with RECORD).
        return cls(_ALGORITHMS.get(algorithm, algorithm), digest)

    @classmethod
    def of(cls, data: bytes, algorithm: str = "sha256") -> Hash:
        """The hash of ``data``; ``algorithm`` must be one of ACCEPTED_HASHES."""
        hasher = cls._new(algorithm)
        hasher.update(data)
        return cls(algorithm, _encode_digest(hasher.digest()))

    @property
    def accepted(self) -> bool:
        """Whether wheels may use this hash's algorithm (ACCEPTED_HASHES)."""
        return self.algorithm in ACCEPTED_HASHES

    def hasher(self) -> hashlib._Hash:
        """A new hashlib object of this hash's algorithm, to stream data through; ValueError
        for an algorithm wheels may not use (a weak one is never computed)."""
        return self._new(self.algorithm)

    def matches(self, raw_digest: bytes) -> bool:
        """Whether ``raw_digest`` (a hasher's ``digest()``) is this hash's digest."""
        return self.digest.rstrip("=") == _encode_digest(raw_digest)

    @staticmethod
    def _new(algorithm: str) -> hashlib._Hash:
        made = _MAKERS.get(algorithm)
        if made is None:
            raise ValueError(f"hash algorithm {algorithm!r} is not accepted in wheels")
        return made()

    def __str__(self) -> str:
        return f"{self.algorithm}={self.digest}"


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One line of a wheel's RECORD: a member path, its hash and its size in bytes.

    RECORD itself and its signature files carry neither (``None``). Made from RECORD's text by
    :meth:`from_row`, from data by :meth:`for_data`; the constructor checks the path and size
    and raises ``ValueError``.
    """

    path: str
    hash: Hash | None
    size: int | None

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("path is empty")
        if "\n" in self.path or "\r" in self.path:
            raise ValueError(f"path {self.path!r} contains a line break")
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
        return cls(path, Hash.parse(hash_) if hash_ else None, size_value)

    @classmethod
    def for_data(cls, path: str, data: bytes, algorithm: str = "sha256") -> RecordEntry:
        """The entry that describes ``data`` stored under ``path``."""
        return cls(path, Hash.of(data, algorithm), len(data))

    def to_row(self) -> list[str]:
        """The fields of this entry's line in RECORD."""
        hash_ = "" if self.hash is None else str(self.hash)
        return [self.path, hash_, "" if self.size is None else str(self.size)]


def record_bytes(entries: Iterable[RecordEntry]) -> bytes:
    """The text of a RECORD holding ``entries`` in order, UTF-8, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for entry in entries:
        writer.writerow(entry.to_row())
    return buffer.getvalue().encode("utf-8")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, one at a time (csv joins quoted line breaks)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def parse_record(
    data: bytes, where: str, same: Callable[[str], str] | None = None
) -> tuple[list[RecordEntry], list[str]]:
    """RECORD's entries, and what is wrong with its lines, one line each (``where`` names
    RECORD). A line that is wrong, or lists a path again, is left out. ``same`` gives, for a
    path, an equal string already held (the member's name) to keep instead of a copy."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [], [f"{where} is not UTF-8 text; {REBUILD}"]
    entries: list[RecordEntry] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    reader = csv.reader(_lines(text))
    try:
        for row in reader:
            if not row:
                continue
            if same is not None:
                row[0] = same(row[0])
            try:
                entry = RecordEntry.from_row(row)
            except ValueError as err:
                problems.append(f"{where} line {reader.line_num}: {err}; {REBUILD}")
                continue
            if entry.path in first_line:
                problems.append(
                    f"{where} line {reader.line_num}: {entry.path} is listed again (first on "
                    f"line {first_line[entry.path]}); {REBUILD}"
                )
                continue
            first_line[entry.path] = reader.line_num
            entries.append(entry)
    except csv.Error as err:
        problems.append(f"{where} line {reader.line_num}: not valid CSV ({err}); {REBUILD}")
    return entries, problems
