"""Does an abi3 wheel call only what the Stable ABI of its tag's version has?

Pure: reads its own data file, ``stable_abi.json``, made by ``tools/stable_abi.py`` from
abi3info (CPython's ``Misc/stable_abi.toml``; the file names the version it came from). A
``cp38-abi3`` wheel promises to load on every CPython from 3.8 on, so each name of Python's C
API its binaries leave undefined must be in the Stable ABI and added in 3.8 or before; the
target's own interpreter is checked besides, by :mod:`maturin_cross.checks.symbols`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.tags import Tag

from maturin_cross.checks.symbols import Table, python_names
from maturin_cross.support.text import quoted

DATA = Path(__file__).with_name("stable_abi.json")

_ELSEWHERE = {
    "MS_WINDOWS": "only on Windows",
    "Py_REF_DEBUG": "only in debug builds of CPython (Py_REF_DEBUG)",
    "Py_TRACE_REFS": "only in builds of CPython with Py_TRACE_REFS",
}
"""Feature macros under which a symbol is not in a Linux release build's Stable ABI."""


@dataclass(frozen=True)
class Entry:
    """A symbol of the Stable ABI."""

    added: tuple[int, int]
    ifdef: str | None = None


@dataclass(frozen=True)
class StableAbi:
    source: str
    """Where the data came from, and its version."""
    symbols: Mapping[str, Entry]


@cache
def load() -> StableAbi:
    """The shipped data, read once."""
    document = json.loads(DATA.read_text(encoding="utf-8"))
    symbols = {}
    for name, entry in document["symbols"].items():
        major, minor = entry["added"].split(".")
        symbols[name] = Entry((int(major), int(minor)), entry.get("ifdef"))
    return StableAbi(str(document["source"]), symbols)


def floor(tags: Iterable[Tag]) -> tuple[tuple[int, int], str] | None:
    """The oldest CPython an abi3 wheel's tags promise (``cp38-abi3``: 3.8), with that tag;
    None for a wheel that is not abi3."""
    found = []
    for tag in tags:
        match = re.fullmatch(r"cp(\d)(\d+)", tag.interpreter)
        if tag.abi == "abi3" and match:
            found.append(((int(match.group(1)), int(match.group(2))), f"{tag.interpreter}-abi3"))
    return min(found) if found else None


def check(member: str, names: Iterable[str], version: tuple[int, int], tag: str) -> list[str]:
    """One line when ``member`` uses a name of Python's C API that the Stable ABI of
    ``version`` lacks (nothing when it uses none)."""
    data = load().symbols
    newer: list[tuple[tuple[int, int], str]] = []
    outside: list[tuple[str, str]] = []
    for name in sorted(set(names)):
        entry = data.get(name)
        if entry is None:
            outside.append((name, "which is not in the Stable ABI"))
        elif entry.ifdef in _ELSEWHERE:
            outside.append((name, f"which is in the Stable ABI {_ELSEWHERE[entry.ifdef]}"))
        elif entry.added > version:
            newer.append((entry.added, name))
    promise = f"its tag {tag} promises the Stable ABI of {_text(version)}"
    if outside:
        (name, why), *rest = outside
        return [
            f"{member} uses {quoted(name)}, {why}{_more([n for n, _ in rest])} ({promise}): "
            "build it without abi3 (a wheel for one Python version), or do without that call"
        ]
    if newer:
        newer.sort(reverse=True)
        (added, name), *others = newer
        feature = f"abi3-py{added[0]}{added[1]}"
        return [
            f"{member} uses {quoted(name)}, added to the Stable ABI in {_text(added)}"
            f"{_more([n for _, n in others])}, but {promise}: raise the abi3 floor to "
            f"{_text(added)} (pyo3's {feature} feature) or do without that call"
        ]
    return []


def check_wheel(tables: Mapping[str, Table], tags: Iterable[Tag]) -> list[str]:
    """:func:`check` of every ELF member of an abi3 wheel (nothing for another wheel)."""
    promised = floor(tags)
    if promised is None:
        return []
    version, tag = promised
    return [
        line
        for member, table in tables.items()
        for line in check(member, python_names(table), version, tag)
    ]


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _more(names: list[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(quoted(n) for n in names[:3])
    return f" (and {len(names)} more: {listed}{', ...' if len(names) > 3 else ''})"
