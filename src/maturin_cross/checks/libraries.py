"""A sysroot's libraries as the proof reads them: each file parsed once per proof, and what was
read kept between runs.

The proof of a wheel asks the same few files of a sysroot, build after build: the target's
``python3.X``, ``libc.so.6``, ``libm.so.6`` and what the wheel's modules need. Parsing them is
most of a small wheel's proof (their symbol tables hold thousands of names). :class:`Files`
parses each once per proof, into the loader's view (:class:`maturin_cross.checks.linkage.Dynamic`),
the dynamic symbols (:class:`maturin_cross.checks.symbols.Table`) and the instruction set its
toolchain recorded (:class:`maturin_cross.checks.isa.Isa`); given the sysroot's cache folder
(:attr:`maturin_cross.target.sysroot.Sysroot.cache`), it keeps them there, one JSON file per
library, and takes them back only while the file is the one that was read: the same device,
inode, size, modification and change times (``ctime``, which no program sets, changes with any
write or rename), as ``make`` and git's index judge a file unchanged. Its stamp is taken before
it is read, so a file written meanwhile never matches what was kept of it. An entry of another
maturin-cross version, or one that cannot be read back, is read as no entry; one that cannot be
written is not kept. Nothing else is cached: every proof is made afresh from these facts.

Reads the sysroot's files; reads and writes the cache folder only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from maturin_cross.checks import elf, isa, linkage, symbols
from maturin_cross.checks.elf import PARSE_ERRORS, parse
from maturin_cross.errors import WheelError
from maturin_cross.support import atomic, files
from maturin_cross.target.arches import ElfFacts

Parsed = tuple[linkage.Dynamic, symbols.Table | None, isa.Isa | None]
"""What the proof reads of one library: its loader's view, its dynamic symbols (None when they
cannot be read) and its instruction set (None where nothing is recorded)."""

FORMAT = 1
"""The entries' layout; an entry of another layout, or made by other code, is not used."""

MAX_ENTRY_BYTES = 64 << 20
"""The largest entry read back: far above any library's (libc's is about 200 kB)."""

Stamp = tuple[int, int, int, int, int]


class Files:
    """A sysroot's files, each parsed once; ``cache``: where they are kept between runs (None:
    not kept). :meth:`dynamic` is the reader :mod:`maturin_cross.checks.linkage`'s lookup
    takes, :meth:`table` the one :class:`maturin_cross.checks.symbols.Resolver` takes and
    :meth:`needs` :func:`maturin_cross.checks.isa.baseline`'s."""

    def __init__(self, cache: Path | None = None) -> None:
        self._cache = cache
        self._read: dict[Path, Parsed | WheelError | OSError] = {}

    def _get(self, host: Path) -> Parsed:
        if host not in self._read:
            self._read[host] = self._load(host)
        found = self._read[host]
        if isinstance(found, (WheelError, OSError)):
            raise found
        return found

    def _load(self, host: Path) -> Parsed | WheelError | OSError:
        try:
            stamp = stamp_of(host)
        except OSError as err:
            return err
        entry = None
        if self._cache is not None and code_digest():
            entry = _entry_path(self._cache, host)
        if entry is not None:
            was = load(entry, host, stamp)
            if was is not None:
                return was
        parsed = parse_file(host)
        if entry is not None and not isinstance(parsed, (WheelError, OSError)):
            save(entry, host, stamp, parsed)
        return parsed

    def dynamic(self, host: Path) -> linkage.Dynamic:
        """What the file says to the loader; raises WheelError or OSError."""
        return self._get(host)[0]

    def table(self, host: Path) -> symbols.Table | None:
        """Its dynamic symbols; None when they cannot be read."""
        try:
            return self._get(host)[1]
        except (WheelError, OSError):
            return None

    def needs(self, host: Path) -> tuple[ElfFacts, isa.Isa | None]:
        """Its kind and what it needs of the instruction set; raises WheelError or OSError."""
        dynamic, _, needs = self._get(host)
        return dynamic.kind, needs


def parse_file(host: Path) -> Parsed | WheelError | OSError:
    """One library read: the three views from one parse, or why it cannot be read."""
    try:
        with host.open("rb") as stream:
            size = stream.seek(0, 2)
            try:
                elf = parse(stream, size)
                dynamic = linkage.dynamic_of(elf, str(host))
            except PARSE_ERRORS as err:
                return linkage.unreadable(str(host), err)
            except WheelError as err:
                return err
            try:
                table: symbols.Table | None = symbols.read(elf)
            except PARSE_ERRORS:
                table = None
            return dynamic, table, isa.needs_of(elf)
    except OSError as err:
        return err


def stamp_of(host: Path) -> Stamp:
    """What tells that a file is the one read before: device, inode, size, mtime, ctime."""
    status = os.stat(host)
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


@functools.cache
def code_digest() -> str:
    """A digest of the code that reads a library into what is kept (this module and the readers
    it calls): an entry is used only by the code that made it, whatever the version says (a
    checkout being worked on keeps its version). Empty when the sources cannot be read."""
    digest = hashlib.sha256()
    for module in (elf, linkage, symbols, isa, sys.modules[__name__]):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            return ""
    return digest.hexdigest()


def _entry_path(cache: Path, host: Path) -> Path:
    return cache / f"{hashlib.sha256(os.fsencode(host)).hexdigest()[:40]}.json"


# ------------------------------------------------------------------------------------------------
# Entries: written as JSON, read back with every field's type checked


def save(entry: Path, host: Path, stamp: Stamp, parsed: Parsed) -> None:
    """Keep ``parsed`` for ``host`` as it was at ``stamp``; nothing when it cannot be written."""
    record = {
        "format": FORMAT,
        "code": code_digest(),
        "path": os.fsdecode(host),
        "stamp": list(stamp),
        "library": encode(parsed),
    }
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(entry, json.dumps(record, separators=(",", ":")).encode())
    except OSError:
        pass


def load(entry: Path, host: Path, stamp: Stamp) -> Parsed | None:
    """What was kept for ``host`` if it was kept of the file as it is now (``stamp``) by this
    code; None when there is no such entry, it is of another file, code or layout, or it cannot
    be read."""
    try:
        record = json.loads(files.read_regular(entry, MAX_ENTRY_BYTES))
        if not isinstance(record, dict) or (
            record.get("format") != FORMAT
            or record.get("code") != code_digest()
            or record.get("path") != os.fsdecode(host)
            or record.get("stamp") != list(stamp)
        ):
            return None
        return decode(record["library"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def encode(parsed: Parsed) -> dict[str, object]:
    """``parsed`` as JSON values (:func:`decode` gives it back)."""
    dynamic, table, needs = parsed
    kind = dynamic.kind
    return {
        "kind": [kind.machine, kind.bits, kind.little_endian, kind.abi, kind.r6, kind.soft_float],
        "needed": list(dynamic.needed),
        "rpath": list(dynamic.rpath),
        "runpath": list(dynamic.runpath),
        "soname": dynamic.soname,
        "interpreter": dynamic.interpreter,
        "required": {name: list(versions) for name, versions in dynamic.required.items()},
        "defined_versions": list(dynamic.defined),
        "table": None
        if table is None
        else {
            "undefined": [[r.name, r.version] for r in table.undefined],
            "weak": list(table.weak),
            "defined": {
                name: [[version, hidden] for version, hidden in each]
                for name, each in table.defined.items()
            },
        },
        "isa": None
        if needs is None
        else {
            "family": needs.family,
            "aspects": [[a.name, a.rank, a.label] for a in needs.aspects],
            "extensions": sorted(needs.extensions),
            "base": needs.base,
        },
    }


def decode(value: object) -> Parsed:
    """:func:`encode`'s value back; raises ValueError when it is not one."""
    data = _dict(value)
    machine, bits, little, abi, r6, soft = _list(data["kind"], 6)
    kind = ElfFacts(
        machine=_str(machine),
        bits=_int(bits),
        little_endian=_bool(little),
        abi=_opt_str(abi),
        r6=None if r6 is None else _bool(r6),
        soft_float=None if soft is None else _bool(soft),
    )
    dynamic = linkage.Dynamic(
        kind=kind,
        needed=_strs(data["needed"]),
        rpath=_strs(data["rpath"]),
        runpath=_strs(data["runpath"]),
        soname=_opt_str(data["soname"]),
        interpreter=_opt_str(data["interpreter"]),
        required={_str(name): _strs(v) for name, v in _dict(data["required"]).items()},
        defined=_strs(data["defined_versions"]),
    )
    table = None if data["table"] is None else _table(_dict(data["table"]))
    needs = None if data["isa"] is None else _isa(_dict(data["isa"]))
    return dynamic, table, needs


def _table(data: Mapping[str, object]) -> symbols.Table:
    undefined = tuple(
        symbols.Reference(_str(name), _opt_str(version))
        for name, version in (_list(r, 2) for r in _list(data["undefined"]))
    )
    defined = {
        _str(name): tuple(
            (_opt_str(version), _bool(hidden))
            for version, hidden in (_list(d, 2) for d in _list(each))
        )
        for name, each in _dict(data["defined"]).items()
    }
    return symbols.Table(undefined, _strs(data["weak"]), defined)


def _isa(data: Mapping[str, object]) -> isa.Isa:
    aspects = tuple(
        isa.Aspect(_str(name), _int(rank), _str(label))
        for name, rank, label in (_list(a, 3) for a in _list(data["aspects"]))
    )
    return isa.Isa(
        _str(data["family"]), aspects, frozenset(_strs(data["extensions"])), _str(data["base"])
    )


def _dict(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return cast(dict[str, object], value)


def _list(value: object, length: int | None = None) -> list[object]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ValueError("not a list of the expected length")
    return cast(list[object], value)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _opt_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _strs(value: object) -> tuple[str, ...]:
    return tuple(_str(item) for item in _list(value))


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("not an integer")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not a boolean")
    return value
