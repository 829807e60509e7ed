"""Which Pythons a pyo3 version builds for, and the one line said before a build that its locked
pyo3 cannot make for the target's Python (pyo3's build script would stop deep in the build).

The facts are kept here, once. Source: PyO3's CHANGELOG.md ("Support Python 3.X" under each
release; read at pyo3 0.29.3) and ``SUPPORTED_VERSIONS_CPYTHON`` in pyo3-ffi's ``build.rs``
(3.13 at 0.23.5, 3.15 at 0.29.3). Since pyo3 0.21 the build script refuses a newer CPython unless
``PYO3_USE_ABI3_FORWARD_COMPATIBILITY=1`` (then it builds for the stable ABI, never for a
free-threaded one); since 0.26 a crate with an abi3 feature falls back to the newest abi3 it
knows by itself.

Pure: no process, no host interpreter.
"""

from __future__ import annotations

from maturin_cross.target.resolve import PythonABI

Version = tuple[int, ...]

NEWEST_PYTHON: tuple[tuple[Version, tuple[int, int]], ...] = (
    ((0, 15, 0), (3, 10)),
    # 0.17.3 is the first tested against 3.11.0; the CHANGELOG says 0.17 is expected to work.
    ((0, 17, 0), (3, 11)),
    ((0, 20, 0), (3, 12)),
    ((0, 22, 0), (3, 13)),
    ((0, 25, 0), (3, 14)),
    ((0, 29, 0), (3, 15)),
)
"""From which pyo3 version on each CPython is supported, oldest first."""

FREE_THREADED_SINCE: Version = (0, 23, 0)
"""The first pyo3 that builds for a free-threaded CPython (3.13t)."""
FREE_THREADED_313_UNTIL: Version = (0, 29, 0)
"""pyo3 0.29 dropped 3.13t (3.14t and later stay supported)."""
ABI3_FALLBACK_SINCE: Version = (0, 26, 0)
"""From here on an abi3 crate builds for a newer CPython by itself (pyo3 PR 5144)."""
FORWARD = "PYO3_USE_ABI3_FORWARD_COMPATIBILITY"


def newest_python(pyo3: Version) -> tuple[int, int] | None:
    """The newest CPython ``pyo3`` supports; None for a pyo3 older than the table (< 0.15)."""
    newest = None
    for since, python in NEWEST_PYTHON:
        if pyo3 >= since:
            newest = python
    return newest


def first_supporting(python: tuple[int, int]) -> Version | None:
    """The oldest pyo3 that supports ``python``; None when none known here does yet."""
    return next((since for since, newest in NEWEST_PYTHON if newest >= python), None)


def _text(version: Version) -> str:
    return ".".join(str(part) for part in version)


def too_old(
    pyo3: Version | None,
    python: PythonABI,
    *,
    abi3: bool,
    forward: bool,
    lock: str,
    target_file: str,
) -> str | None:
    """Why the locked ``pyo3`` (read from ``lock``) cannot build for ``python`` (named by
    ``target_file``), in one line with the ways out; None when it can, or cannot be told.
    ``abi3``: the crate turns on an abi3 feature; ``forward``: the environment sets
    PYO3_USE_ABI3_FORWARD_COMPATIBILITY=1."""
    if pyo3 is None or python.implementation != "CPython":
        return None
    version = python.version
    target = f"CPython {python.version_text}{'t' if python.free_threaded else ''}"
    said = f"{lock} locks pyo3 {_text(pyo3)}"
    needed = first_supporting(version)
    if python.free_threaded:
        if pyo3 < FREE_THREADED_SINCE:
            since = max(FREE_THREADED_SINCE, needed or FREE_THREADED_SINCE)
            return (
                f"{said}, which builds for no free-threaded Python, but the target is {target} "
                f"({target_file}); update pyo3 to {_text(since)} or newer "
                f"(cargo update -p pyo3, raising the requirement in Cargo.toml if it holds it "
                f"back): a free-threaded Python has no stable ABI to fall back on"
            )
        if version == (3, 13) and pyo3 >= FREE_THREADED_313_UNTIL:
            return (
                f"{said}, which dropped 3.13t, but the target is {target} ({target_file}); "
                f"lock a pyo3 from 0.23 to 0.28 (cargo update -p pyo3 --precise 0.28.X), or "
                f"build for 3.14t"
            )
    newest = newest_python(pyo3)
    if newest is None or version <= newest:
        return None
    if not python.free_threaded and (forward or (abi3 and pyo3 >= ABI3_FALLBACK_SINCE)):
        return None
    update = (
        f"update pyo3 to {_text(needed)} or newer (cargo update -p pyo3, raising the requirement "
        f"in Cargo.toml if it holds it back)"
        if needed is not None
        else "no pyo3 known here supports it yet: update pyo3 to its newest"
    )
    if python.free_threaded:
        way = "; a free-threaded Python has no stable ABI to fall back on"
    elif abi3:
        way = f", or set {FORWARD}=1 to build the crate's abi3 module for {target}"
    else:
        way = f", or build for the stable ABI (a pyo3 abi3-py3X feature) with {FORWARD}=1"
    return (
        f"{said}, which supports CPython up to {newest[0]}.{newest[1]}, but the target is "
        f"{target} ({target_file}); {update}{way}"
    )
