"""What makes a build give the same bytes from any folder, user and machine (pure).

Paths of this machine end up in a compiled extension: the source files of crates from the
registry under ``CARGO_HOME`` (in panic messages and debug information), and the standard
library's sources when cargo builds it (build-std). rustc's ``--remap-path-prefix=FROM=TO``
rewrites each such prefix as it compiles, as Yocto's cargo classes do for their cargo home. The
flags go to cargo through ``CARGO_ENCODED_RUSTFLAGS``, after the flags cargo would otherwise take
from wherever the user set them (the user's come last: when two remappings match, rustc applies
the last), since cargo takes its rustflags from one place only and ours would otherwise hide the
user's.

The project's own folder is not remapped: cargo gives rustc the project's sources relative to
it, so it reaches the code only through debug information the profile asks for; and a flag that
names it would differ from one folder to the next, which makes a shared compiler cache (sccache)
miss every crate. The remapped names are fixed, so two builds agree; and so is the zip's time
stamp (``SOURCE_DATE_EPOCH``, which maturin reads; a user's value is kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE_DATE_EPOCH = "315532800"
"""1980-01-01 00:00:00 UTC, the earliest time a zip member can have: the wheel's members are
stamped with it unless the user sets SOURCE_DATE_EPOCH."""

SEPARATOR = "\x1f"
"""How CARGO_ENCODED_RUSTFLAGS separates flags."""

REMAPPED_TO = {"rust": "/rustc/sysroot", "cargo_home": "/cargo", "source": "/build/source"}
"""The fixed names each of this machine's folders takes in the compiled code (and, for the
project's folder, in maturin's SBOM: ``wheel/sbom``)."""


@dataclass(frozen=True)
class Folders:
    """This build's folders whose names must not reach the compiled code."""

    cargo_home: Path
    rust_sysroot: Path | None = None


@dataclass(frozen=True)
class Reproducible:
    """What cargo and maturin are given, and what to tell the user."""

    env: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def remap_flags(folders: Folders) -> list[str]:
    """``--remap-path-prefix`` for each folder, the widest first (the last match wins)."""
    pairs = [
        (folders.rust_sysroot, REMAPPED_TO["rust"]),
        (folders.cargo_home, REMAPPED_TO["cargo_home"]),
    ]
    return [f"--remap-path-prefix={path}={to}" for path, to in pairs if path is not None]


def _words(value: object) -> list[str] | None:
    """A rustflags value from a cargo configuration file: a list, or a string of words."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


CargoConfig = tuple[Path, "Mapping[str, Any] | None"]


def user_rustflags(
    triple: str, environ: Mapping[str, str], configs: Sequence[CargoConfig]
) -> tuple[list[str], str] | None:
    """The flags cargo would give rustc for ``triple`` and where they come from, in cargo's
    order (CARGO_ENCODED_RUSTFLAGS, RUSTFLAGS, the target's rustflags, build.rustflags); an
    empty list from nowhere when none is set. None when they cannot be known here: a
    ``target.'cfg(...)'`` table with rustflags, or a configuration file that is not TOML."""
    if "CARGO_ENCODED_RUSTFLAGS" in environ:
        encoded = environ["CARGO_ENCODED_RUSTFLAGS"]
        return (encoded.split(SEPARATOR) if encoded else []), "CARGO_ENCODED_RUSTFLAGS"
    if "RUSTFLAGS" in environ:
        return environ["RUSTFLAGS"].split(), "RUSTFLAGS"
    target_flags: list[str] = []
    build_flags: list[str] = []
    for _, config in configs:
        if config is None:
            return None
        targets = config.get("target")
        for key, table in targets.items() if isinstance(targets, Mapping) else ():
            if not isinstance(table, Mapping) or "rustflags" not in table:
                continue
            if key.startswith("cfg("):
                return None
            if key == triple:
                words = _words(table["rustflags"])
                if words is None:
                    return None
                target_flags += words
        build = config.get("build")
        if isinstance(build, Mapping) and "rustflags" in build:
            words = _words(build["rustflags"])
            if words is None:
                return None
            build_flags += words
    variable = "CARGO_TARGET_" + triple.upper().replace("-", "_").replace(".", "_") + "_RUSTFLAGS"
    if variable in environ:
        return environ[variable].split(), variable
    if target_flags:
        return target_flags, f"target.{triple}.rustflags"
    if "CARGO_BUILD_RUSTFLAGS" in environ:
        return environ["CARGO_BUILD_RUSTFLAGS"].split(), "CARGO_BUILD_RUSTFLAGS"
    if build_flags:
        return build_flags, "build.rustflags"
    return [], ""


def setup(
    triple: str, folders: Folders, environ: Mapping[str, str], configs: Sequence[CargoConfig]
) -> Reproducible:
    """The environment that makes the build's bytes independent of its folders and time."""
    env: dict[str, str] = {}
    notes: list[str] = []
    if "SOURCE_DATE_EPOCH" not in environ:
        env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    given = user_rustflags(triple, environ, configs)
    if given is None:
        notes.append(
            "rustflags are set in a cargo configuration file in a way maturin-cross cannot "
            "merge with (a target.'cfg(...)' table); this machine's folders are not remapped, "
            "so the wheel may differ from a build in another folder: add --remap-path-prefix "
            "flags there to make it reproducible"
        )
        return Reproducible(env, tuple(notes))
    flags, _ = given
    env["CARGO_ENCODED_RUSTFLAGS"] = SEPARATOR.join([*remap_flags(folders), *flags])
    return Reproducible(env, tuple(notes))
