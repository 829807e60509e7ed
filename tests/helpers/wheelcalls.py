"""Calls on wheels that only tests make: a wheel read without looking into any member, a member
read whole, a wheel corrected in one call, and single RECORD lines written, read and checked
against data.

The source makes these in steps (``read_wheel_inspecting``; ``repair.plan_fix`` then
``repair.write_fix``) or never (RECORD is read and written whole); the tests want them in one.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from maturin_cross.checks import repair
from maturin_cross.target.resolve import Target
from maturin_cross.wheel.contents import WheelContents, read_wheel_inspecting
from maturin_cross.wheel.record import RecordEntry


def read_wheel(path: Path, *, max_unpacked: int | None = None) -> WheelContents:
    """Read and verify the wheel at ``path``, looking into no member."""
    contents, _ = read_wheel_inspecting(
        path, lambda name: False, lambda stream, size, name: None, max_unpacked=max_unpacked
    )
    return contents


def read_member(contents: WheelContents, name: str) -> bytes:
    """Member ``name``'s data, whole; KeyError if there is none."""
    with contents.open(name) as stream:
        return stream.read()


def files(contents: WheelContents) -> tuple[str, ...]:
    """Member names that are files (not directory entries), in archive order."""
    return tuple(name for name in contents.entries if not contents.is_dir(name))


def data_dir(contents: WheelContents) -> str:
    """``rpds-0.1.0.data``: where the wheel's scripts, headers and data files would be."""
    return contents.dist_info.removesuffix(".dist-info") + ".data"


def fix_wheel(
    path: Path,
    target: Target,
    out_dir: Path,
    *,
    check_only: bool = False,
    max_unpacked: int | None = None,
) -> repair.Result:
    """The corrected wheel (or an unchanged copy) in ``out_dir``: ``plan_fix``, then
    ``write_fix``."""
    fix = repair.plan_fix(path, target, check_only=check_only, max_unpacked=max_unpacked)
    return repair.write_fix(fix, out_dir)


def record_line(entry: RecordEntry) -> str:
    """The entry's RECORD line, without its line end; quoted as the csv module does."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(entry.to_row())
    return buffer.getvalue().removesuffix("\n")


def parse_record_line(line: str) -> RecordEntry:
    """The entry one RECORD line gives (CSV: a path with a comma or quote comes quoted)."""
    rows = list(csv.reader([line]))
    return RecordEntry.from_row(rows[0] if rows else [])


def hash_matches(entry: RecordEntry, data: bytes) -> bool:
    """Whether ``data`` has the entry's hash; ValueError for an entry without one, or with an
    algorithm wheels may not use."""
    if entry.hash is None:
        raise ValueError(f"{entry.path} has no hash to compare with")
    hasher = entry.hash.hasher()
    hasher.update(data)
    return entry.hash.matches(hasher.digest())
