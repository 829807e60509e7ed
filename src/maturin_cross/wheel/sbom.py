"""The project's folder taken out of the SBOMs maturin writes into a wheel.

maturin (1.9 and newer) puts a CycloneDX SBOM of the Rust dependencies in
``<dist-info>/sboms/``; it names the project's own crate by cargo's package id, which holds the
absolute path of the folder it was built in (``path+file:///home/me/src/proj#name@1.0``). With
``SOURCE_DATE_EPOCH`` set its time is fixed and it has no random serial number, so that path is
all that makes two builds of the same sources in two folders differ. Here it is replaced by the
fixed name the compiled code uses for that folder (``buildenv/remap``), as a fresh copy of
maturin's wheel: every other member copied compressed, as it is; the SBOM and RECORD written
anew. Used on maturin's own output only, before the wheel is checked and corrected.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from maturin_cross.support import atomic
from maturin_cross.wheel import ziparchive
from maturin_cross.wheel.record import RecordEntry, parse_record, record_bytes

SBOM_FOLDER = ".dist-info/sboms/"
LARGEST = 64 << 20
"""An SBOM larger than this is left as it is (it is read whole)."""


def _spellings(folder: Path) -> list[bytes]:
    """How a folder appears in a cargo package id: ``file://`` and the path, as is and quoted."""
    text = str(folder)
    return sorted({f"file://{text}".encode(), f"file://{quote(text)}".encode()}, key=len)[::-1]


def remap_sboms(wheel: Path, source_dir: Path, to: str) -> bool:
    """Replace ``file://SOURCE_DIR`` by ``file://TO`` in the wheel's SBOMs, in place; True when
    the wheel was rewritten. A wheel this cannot read is left for the checks that follow."""
    spellings = _spellings(source_dir)
    replacement = f"file://{to}".encode()
    try:
        with open(wheel, "rb") as stream:
            entries, comment = ziparchive.read_directory(stream, wheel.stat().st_size)
            changed: dict[str, bytes] = {}
            record_entry = next((e for e in entries if e.name.endswith(".dist-info/RECORD")), None)
            for entry in entries:
                if SBOM_FOLDER not in entry.name or entry.size > LARGEST or entry.is_dir:
                    continue
                data = b"".join(ziparchive.data_chunks(stream, entry))
                new = data
                for spelling in spellings:
                    new = new.replace(spelling, replacement)
                if new != data:
                    changed[entry.name] = new
            if not changed or record_entry is None:
                return False
            record_data = b"".join(ziparchive.data_chunks(stream, record_entry))
            record, _ = parse_record(record_data, record_entry.name)
            rows = [
                RecordEntry.for_data(row.path, changed[row.path]) if row.path in changed else row
                for row in record
            ]
            with atomic.replacing(wheel) as out:
                writer = ziparchive.Writer(out)
                for entry in entries:
                    start, local_extra = ziparchive.local_header(stream, entry)
                    if entry.name in changed:
                        writer.add_bytes(entry, local_extra, changed[entry.name])
                    elif entry is record_entry:
                        writer.add_bytes(entry, local_extra, record_bytes(rows))
                    else:
                        chunks = ziparchive.raw_chunks(stream, start, entry.compressed_size)
                        writer.add_raw(entry, local_extra, chunks)
                writer.finish(comment)
    except (OSError, ziparchive.ZipError):
        return False
    return True
