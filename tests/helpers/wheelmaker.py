"""Build small real wheels for tests, correct by default, with ways to tamper with them.

Independent of ``maturin_cross.wheel`` on purpose (its own hashing and CSV), so tests of that
package do not check it against itself.

Every entry gets its own fixed date_time, and modes can be given per file, so tests can prove
that a rewrite keeps them::

    whl = make_wheel(tmp_path, files={"rpds/__init__.py": b"", "rpds/rpds.so": (so, 0o755)})
    bad = make_wheel(tmp_path, record_edits=[set_size("rpds/__init__.py", 1)])
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import stat
import warnings
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Literal

Row = list[str]
RecordEdit = Callable[[list[Row]], list[Row]]

DEFAULT_FILES: Mapping[str, bytes | tuple[bytes, int]] = {
    "rpds/__init__.py": b"from .rpds import *\n",
    "rpds/rpds.cpython-311-x86_64-linux-gnu.so": (b"\x7fELF\x02\x01\x01" + bytes(57), 0o755),
}


def date_time(index: int) -> tuple[int, int, int, int, int, int]:
    """A fixed, distinct zip timestamp for the index-th entry (even seconds: DOS resolution)."""
    return (2021, 1 + index % 12, 1 + index % 28, 10 + index % 10, index % 60, (2 * index) % 60)


def hash_of(data: bytes, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _filename_tags(tags: Sequence[str]) -> str:
    parts = [tag.split("-") for tag in tags]
    return "-".join(".".join(sorted({p[i] for p in parts})) for i in range(3))


def default_wheel_text(tags: Sequence[str]) -> bytes:
    lines = ["Wheel-Version: 1.0", "Generator: wheelmaker (tests)", "Root-Is-Purelib: false"]
    lines += [f"Tag: {tag}" for tag in tags]
    return ("\n".join(lines) + "\n").encode()


def make_wheel(
    directory: Path,
    *,
    name: str = "rpds",
    version: str = "0.1.0",
    build: str = "",
    tags: Sequence[str] = ("cp311-cp311-linux_x86_64",),
    files: Mapping[str, bytes | tuple[bytes, int]] | None = None,
    stored: Collection[str] = (),
    metadata: bytes | Literal["default"] | None = "default",
    wheel: bytes | Literal["default"] | None = "default",
    record: bytes | Literal["correct"] | None = "correct",
    record_edits: Sequence[RecordEdit] = (),
    hash_algorithm: str = "sha256",
    extra_members: Sequence[tuple[str, bytes]] = (),
    filename: str | None = None,
) -> Path:
    """Write a wheel into ``directory`` and return its path.

    ``files`` maps member names to data or ``(data, mode)`` (default mode 0o644); the default
    is a package with an ``__init__.py`` and a fake ``.so`` (0o755). Names in ``stored`` are not
    compressed. The dist-info directory ``NAME-VERSION.dist-info`` gets METADATA and WHEEL
    (``None`` leaves one out, bytes replace it) and RECORD, written last: ``"correct"`` hashes
    every member but the ``extra_members`` with ``hash_algorithm``, then applies
    ``record_edits`` to its rows; bytes are written as they are; ``None`` leaves RECORD out.
    ``extra_members`` (name, data) are written just before RECORD, duplicates and unsafe names
    allowed. ``filename`` overrides the file name built from name, version, build and tags.
    """
    files = DEFAULT_FILES if files is None else files
    dist_info = f"{name}-{version}.dist-info"
    members: list[tuple[str, bytes, int]] = []
    for path, value in files.items():
        data, mode = value if isinstance(value, tuple) else (value, 0o644)
        members.append((path, data, mode))
    if metadata == "default":
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    if metadata is not None:
        members.append((f"{dist_info}/METADATA", metadata, 0o644))
    if wheel == "default":
        wheel = default_wheel_text(tags)
    if wheel is not None:
        members.append((f"{dist_info}/WHEEL", wheel, 0o644))

    record_path = f"{dist_info}/RECORD"
    if record == "correct":
        rows = [[path, hash_of(data, hash_algorithm), str(len(data))] for path, data, _ in members]
        rows.append([record_path, "", ""])
        for edit in record_edits:
            rows = edit(rows)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        record = buffer.getvalue().encode()
    members += [(path, data, 0o644) for path, data in extra_members]
    if record is not None:
        members.append((record_path, record, 0o644))

    if filename is None:
        parts = [name.replace("-", "_"), version, *([build] if build else []), _filename_tags(tags)]
        filename = "-".join(parts) + ".whl"
    target = directory / filename
    with zipfile.ZipFile(target, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates we ask for
        for index, (path, data, mode) in enumerate(members):
            info = zipfile.ZipInfo(path, date_time=date_time(index))
            info.create_system = 3  # Unix, so external_attr holds a mode
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_STORED if path in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


# Record edits: functions of the rows (path, hash, size) of a correct RECORD.


def drop(path: str) -> RecordEdit:
    """Leave ``path``'s line out of RECORD."""
    return lambda rows: [row for row in rows if row[0] != path]


def set_hash(path: str, value: str) -> RecordEdit:
    return lambda rows: [[path, value, *row[2:]] if row[0] == path else row for row in rows]


def set_size(path: str, value: str | int) -> RecordEdit:
    return lambda rows: [[*row[:2], str(value)] if row[0] == path else row for row in rows]


def add_line(*fields: str) -> RecordEdit:
    """Add a line (any number of fields) just before RECORD's own line."""
    return lambda rows: [*rows[:-1], list(fields), rows[-1]]
