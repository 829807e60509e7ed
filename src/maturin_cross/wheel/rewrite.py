"""Write a wheel again under a new name: members renamed, WHEEL retagged, RECORD regenerated.

Pure but for the one file it writes. :func:`rewrite_wheel` copies every unchanged member's
compressed bytes as they are (a renamed one under its new name, with the same CRC, sizes and
compression), rewrites only WHEEL and RECORD (written last) and writes the central directory
itself; entries keep their order and zip metadata, and the result appears under its final name
only once it is complete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from packaging.tags import Tag

from maturin_cross.errors import WheelError
from maturin_cross.support import atomic
from maturin_cross.support.lanes import Lane
from maturin_cross.wheel import ziparchive
from maturin_cross.wheel.contents import Seen, WheelContents, name_problem, verify_written
from maturin_cross.wheel.record import REBUILD, SIGNATURE_FILES, RecordEntry, record_bytes
from maturin_cross.wheel.tags import retag, unique_tags, wheel_filename


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
        why = name_problem(new)
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
    return rewrite_wheel_checked(contents, out_dir, renames=renames, tags=tags).path


@dataclass(frozen=True)
class Written:
    """A wheel :func:`rewrite_wheel_checked` wrote, and what it takes to check it without
    reading it again (:meth:`check`). It holds no reference to the contents it was written
    from, so that they can be let go before the check."""

    path: Path
    entries: Sequence[ziparchive.Entry]
    comment: bytes
    wheel_data: Mapping[str, bytes]
    record: Sequence[RecordEntry]
    verified: Sequence[RecordEntry]
    """The RECORD of the wheel it was written from, every hash and size in it verified."""
    anew: Mapping[str, Seen]
    """The same for the members written anew (WHEEL when retagged, RECORD), by new name."""
    old_names: Mapping[str, str]
    """New name -> old, for the members renamed."""

    def check(self) -> WheelContents:
        """The new wheel as :func:`read_wheel_inspecting` would find it, made from what the
        pass over the input found (:func:`verify_written`); WheelError with every problem."""

        verified = {entry.path: entry for entry in self.verified}

        def seen(name: str) -> Seen | None:
            found = self.anew.get(name)
            if found is not None:
                return found
            entry = verified.get(self.old_names.get(name, name))
            return None if entry is None or entry.size is None else Seen(entry.size, entry.hash)

        return verify_written(
            self.path, self.entries, self.comment, self.wheel_data, seen, self.record
        )


def rewrite_wheel_checked(
    contents: WheelContents,
    out_dir: Path,
    *,
    renames: Mapping[str, str],
    tags: Sequence[Tag] | None,
) -> Written:
    """:func:`rewrite_wheel`, returning what it takes to check the new wheel without reading it
    again (:meth:`Written.check`).

    What is written is what was verified: each copied member's compressed bytes give, as they
    are copied, the CRC-32 they gave when ``contents`` was read and verified (else the input
    changed in between, and nothing is written); the file's size is checked against the bytes
    written before it is synced and renamed into place.
    """
    out_dir = Path(out_dir)
    problems = _rename_problems(contents, renames)
    if problems:
        raise WheelError(problems)
    new_tags = None if tags is None else unique_tags(tags)
    target = out_dir / filename_for(contents, new_tags)

    old_record = {entry.path: entry for entry in contents.record}
    dropped = {f"{contents.dist_info}/{name}" for name in SIGNATURE_FILES}
    record: list[RecordEntry] = []
    data: dict[str, bytes] = {}
    anew: dict[str, Seen] = {}  # WHEEL (when retagged), RECORD
    try:
        contents.check_unchanged()
        out_dir.mkdir(parents=True, exist_ok=True)
        with (
            # Buffers of a MiB: a wheel of many small members is read and written in pieces
            # far smaller than that.
            open(contents.path, "rb", buffering=ziparchive.CHUNK) as source,
            atomic.replacing(target, buffering=ziparchive.CHUNK) as out,
            Lane() as lane,
        ):
            writer = ziparchive.Writer(out, lane)
            wheel_path, record_path = contents.wheel_path, contents.record_path
            for index, name in enumerate(contents.entries):
                if name == record_path or name in dropped:
                    continue
                member = contents.zip_entry(name)
                start, local_extra = ziparchive.local_header(source, member)
                new_name = renames.get(name, name)
                written = member.renamed(new_name) if new_name != name else member
                entry = old_record.get(name)
                if name == wheel_path and new_tags is not None:
                    text = b"".join(ziparchive.data_chunks(source, member)).decode("utf-8")
                    data[new_name] = retag(text, new_tags).encode("utf-8")
                    writer.add_bytes(written, local_extra, data[new_name])
                    entry = RecordEntry.for_data(new_name, data[new_name])
                    anew[new_name] = Seen(len(data[new_name]), entry.hash)
                else:
                    was = contents.raw_crc(index)
                    if was is None:  # verified wheels have every member streamed
                        raise WheelError(f"{contents.path}: {name} was not read; {REBUILD}")
                    if name == wheel_path:  # its tags are checked in the new wheel
                        data[new_name] = b"".join(ziparchive.data_chunks(source, member))
                    if not _copy(source, (start, member, written, local_extra), was, writer):
                        raise WheelError(
                            f"{target}: {new_name}: the bytes written are not those verified "
                            f"in {contents.path}; was it written to meanwhile? Run the command "
                            "again once nothing else writes it"
                        )
                    if entry is not None and new_name != name:
                        entry = RecordEntry(new_name, entry.hash, entry.size)
                if entry is not None:
                    record.append(entry)
            record.append(RecordEntry(contents.record_path, None, None))
            record_member = contents.zip_entry(contents.record_path)
            _, local_extra = ziparchive.local_header(source, record_member)
            record_data = record_bytes(record)
            writer.add_bytes(record_member, local_extra, record_data)
            anew[contents.record_path] = Seen(len(record_data))
            del record_data
            writer.finish(contents.comment)
            out.flush()
            on_disk = os.fstat(out.fileno()).st_size
            if on_disk != writer.size:
                raise OSError(f"{on_disk} bytes on disk, {writer.size} written")
    except OSError as err:
        raise WheelError(
            f"{target}: cannot write the wheel ({err}); check that {out_dir} is a writable "
            "directory"
        ) from err
    except ziparchive.ZipError as err:
        raise WheelError(
            f"{contents.path}: cannot be read ({err}); the wheel is damaged, {REBUILD}"
        ) from err
    return Written(
        target,
        writer.entries,
        contents.comment,
        data,
        record,
        contents.record,
        anew,
        {new: old for old, new in renames.items()},
    )


def _copy(
    source: BinaryIO,
    member: tuple[int, ziparchive.Entry, ziparchive.Entry, bytes],
    was: int,
    writer: ziparchive.Writer,
) -> bool:
    """Copy a member's compressed bytes as they are (``member``: where they start, the entry
    read, the entry to write, the local extra field); whether the bytes written give the
    CRC-32 they gave when the wheel was verified."""
    start, read_as, written, local_extra = member
    if read_as.compressed_size <= ziparchive.CHUNK:
        source.seek(start)
        data = source.read(read_as.compressed_size)
        return writer.add_raw(written, local_extra, data) == was
    chunks = ziparchive.raw_chunks(source, start, read_as.compressed_size)
    return writer.add_raw(written, local_extra, chunks) == was
