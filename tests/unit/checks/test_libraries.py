"""What the proof reads of a sysroot's libraries, kept between runs and taken back only while
each file is the one read: on the tiny real ARM files of tests/fixtures/symbols/ and, where
provisioned, Debian's real armhf sysroot."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

from harness import FIXTURES, CrossToolchain
from repaircases import ARMHF, TargetSpec
from wheelmaker import make_wheel

from maturin_cross.checks import libraries, proof, symbols
from maturin_cross.settings.origin import Kind, Origin
from maturin_cross.target import sysconfigdata
from maturin_cross.target.sysroot import Sysroot

SYMBOLS = FIXTURES / "symbols"
CORE = "pkg/_core.cpython-311-arm-linux-gnueabihf.so"
PY311 = TargetSpec(
    vars={
        **(ARMHF.vars or {}),
        "VERSION": "3.11",
        "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
    }
).resolve()


def _library(folder: Path, fixture: str, name: str = "python3.11") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    host = folder / name
    shutil.copy(SYMBOLS / fixture, host)
    return host


def _entry(cache: Path) -> Path:
    (entry,) = cache.iterdir()
    return entry


def _parsed(host: Path) -> libraries.Parsed:
    parsed = libraries.parse_file(host)
    assert isinstance(parsed, tuple)
    return parsed


def test_a_library_read_once_is_kept_and_read_back_as_it_was_parsed(tmp_path: Path) -> None:
    host = _library(tmp_path / "root", "python3.11")
    cache = tmp_path / "cache"
    first = libraries.Files(cache)
    dynamic, table = first.dynamic(host), first.table(host)
    assert table is not None and table.defined["PyObject_GetAttr"]
    record = json.loads(_entry(cache).read_text())
    assert record["path"] == str(host) and record["stamp"] == list(libraries.stamp_of(host))
    again = libraries.Files(cache)
    assert (again.dynamic(host), again.table(host), again.needs(host)) == (
        dynamic,
        table,
        first.needs(host),
    )
    assert libraries.decode(record["library"]) == _parsed(host)


def test_every_view_of_a_real_file_survives_the_round_trip(tmp_path: Path) -> None:
    """The loader's view with versions needed and defined, the symbols with versions and
    hidden ones, and the ARM build attributes, for each fixture."""
    for fixture in sorted(p.name for p in SYMBOLS.iterdir() if p.suffix != ".sh"):
        parsed = _parsed(SYMBOLS / fixture)
        assert libraries.decode(json.loads(json.dumps(libraries.encode(parsed)))) == parsed
    dynamic, _, needs = _parsed(SYMBOLS / "libver-new.so.1")
    assert dynamic.defined and needs is not None and needs.family == "ARM"


def test_what_is_kept_is_used_only_while_the_file_is_unchanged(tmp_path: Path) -> None:
    host = _library(tmp_path / "root", "libfoo-old.so.1", "libfoo.so.1")
    cache = tmp_path / "cache"
    libraries.Files(cache).table(host)
    entry = _entry(cache)
    # What is kept is what a later run uses: an entry that says foo_new is defined is believed
    # while the file is the one it was made from ...
    record = json.loads(entry.read_text())
    record["library"]["table"]["defined"]["foo_new"] = [["FOO_9", False]]
    entry.write_text(json.dumps(record))
    kept = libraries.Files(cache).table(host)
    assert kept is not None and "foo_new" in kept.defined
    # ... and not once the file is touched (its times change), nor once it is replaced by
    # another file of the same name, even one of the same size.
    os.utime(host, ns=(1, 1))
    touched = libraries.Files(cache).table(host)
    assert touched is not None and "foo_new" not in touched.defined
    new = tmp_path / "libfoo-new.so.1"
    shutil.copy(SYMBOLS / "libfoo-new.so.1", new)
    new.replace(host)
    replaced = libraries.Files(cache).table(host)
    assert replaced is not None and "foo_new" in replaced.defined
    assert replaced == _parsed(host)[1]


def test_an_entry_that_cannot_be_read_back_is_read_as_none_and_made_again(
    tmp_path: Path,
) -> None:
    host = _library(tmp_path / "root", "python3.11")
    cache = tmp_path / "cache"
    libraries.Files(cache).dynamic(host)
    entry = _entry(cache)
    good = json.loads(entry.read_text())
    wrong_types = json.loads(entry.read_text())
    wrong_types["library"]["kind"][1] = "32"
    other_code = dict(good, code="0" * 64)
    other_file = dict(good, path=str(tmp_path / "elsewhere"))
    for text in (
        b"",
        b"\xff\xfe not json",
        b'{"format": 1',
        b"[1, 2, 3]",
        json.dumps(wrong_types).encode(),
        json.dumps(other_code).encode(),
        json.dumps(other_file).encode(),
    ):
        entry.write_bytes(text)
        assert libraries.load(entry, host, libraries.stamp_of(host)) is None
        files = libraries.Files(cache)
        assert (files.dynamic(host), files.table(host)) == _parsed(host)[:2]
        assert json.loads(entry.read_text()) == good  # written again, whole
    entry.unlink()
    entry.mkdir()  # not a file: read as no entry, and nothing can be kept there
    assert libraries.Files(cache).table(host) == _parsed(host)[1]


def test_a_cache_that_cannot_be_written_keeps_nothing_and_changes_no_verdict(
    tmp_path: Path,
) -> None:
    wheel = tmp_path / "in"
    wheel.mkdir()
    made = make_wheel(
        wheel,
        name="pkg",
        tags=("cp311-cp311-linux_armv7l",),
        files={"pkg/__init__.py": b"", CORE: ((SYMBOLS / "needs-3.13.so").read_bytes(), 0o755)},
    )
    root = Sysroot(tmp_path / "root", "test")
    _library(root.root / "usr" / "bin", "python3.11")
    (root.root / "usr" / "lib").mkdir(parents=True)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, where the cache's folder would be")
    verdicts = [
        proof.prove(made, PY311, dataclasses.replace(root, cache=cache)).problems
        for cache in (None, tmp_path / "cache", tmp_path / "cache", blocked / "cache")
    ]
    assert verdicts[0] and all(v == verdicts[0] for v in verdicts)
    assert "PyObject_GetOptionalAttr" in verdicts[0][0]
    assert len(list((tmp_path / "cache").iterdir())) == 1  # python3.11: the one library read


def test_debian_armhfs_libraries_are_proven_against_the_same_from_what_was_kept(
    armhf: CrossToolchain, tmp_path: Path
) -> None:
    data = next((armhf.sysroot / "usr/lib/python3.11").glob("_sysconfigdata__*.py"))
    python = sysconfigdata.parse(data, Origin(Kind.COMMAND_LINE, "test"))
    (tmp_path / "in").mkdir()
    wheel = make_wheel(
        tmp_path / "in",
        name="pkg",
        tags=("cp311-cp311-linux_armv7l",),
        files={"pkg/__init__.py": b"", CORE: ((SYMBOLS / "needs-3.11.so").read_bytes(), 0o755)},
    )
    cache = tmp_path / "cache"
    root = Sysroot(armhf.sysroot, "test", cache)
    parsed, kept = (proof.prove(wheel, PY311, root, python=python) for _ in range(2))
    fresh = proof.prove(wheel, PY311, Sysroot(armhf.sysroot, "test"), python=python)
    assert parsed.problems == kept.problems == fresh.problems == ()
    assert kept.symbols == fresh.symbols and kept.reports == fresh.reports
    assert kept.baseline == fresh.baseline and fresh.baseline is not None
    names = {json.loads(p.read_text())["path"].rsplit("/", 1)[-1] for p in cache.iterdir()}
    assert {"python3.11", "libc.so.6", "libm.so.6"} <= names
    libc = next(
        p for p in cache.iterdir() if json.loads(p.read_text())["path"].endswith("libc.so.6")
    )
    host = Path(json.loads(libc.read_text())["path"])
    assert libraries.decode(json.loads(libc.read_text())["library"]) == _parsed(host)
    assert isinstance(_parsed(host)[1], symbols.Table)
