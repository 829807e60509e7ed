"""Which Rust toolchain builds for the target, and how it gets the target's standard library.

A toolchain serves a target when it has the target's prebuilt standard library
(``SYSROOT/lib/rustlib/TRIPLE/lib``: rustup's ``rust-std``, Debian's ``libstd-rust-web-dev``) or,
failing that, the standard library's sources (``SYSROOT/lib/rustlib/src/rust/library``: rustup's
``rust-src``, Debian's ``rust-web-src``), from which cargo's ``build-std`` builds it. That is the
only way to a standard library for targets no package ships one for (tier 3 targets such as
``mipsel-unknown-linux-gnu``, or an architecture whose package lags behind the compiler). The
active toolchain is asked first, then every rustup toolchain, unless ``RUSTUP_TOOLCHAIN`` pins one.

:func:`choose` decides from what is on disk; :func:`setup_for` asks the host which toolchains
there are (through :mod:`maturin_cross.support.processes`) and returns what cargo and rustc
must see.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maturin_cross.errors import BuildError
from maturin_cross.support import tomlfile
from maturin_cross.support.processes import capture

BUILD_STD = "std panic_abort"
"""The crates build-std builds: ``std`` and what it needs, with both panic runtimes. Spelled as
cargo reads a list from its environment, words separated by spaces, which every cargo takes;
cargo 1.85 reads ``std,panic_abort`` as one crate's name."""


@dataclass(frozen=True)
class Toolchain:
    name: str
    """rustup's name for it, or how the active one is known."""
    sysroot: Path


@dataclass(frozen=True)
class Choice:
    toolchain: Toolchain
    active: bool
    """It is the toolchain rustc and cargo already resolve to."""
    build_std: bool
    """The standard library is built from the toolchain's sources."""


@dataclass(frozen=True)
class RustSetup:
    """What cargo and rustc must see to build for the target, and what to tell the user."""

    env: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sysroot: Path | None = None
    """The chosen toolchain's sysroot (where build-std's sources are), when known."""


def has_prebuilt_std(toolchain: Toolchain, triple: str) -> bool:
    return (toolchain.sysroot / "lib" / "rustlib" / triple / "lib").is_dir()


def std_sources(toolchain: Toolchain) -> Path | None:
    """The standard library's sources as cargo's build-std looks for them, if installed."""
    library = toolchain.sysroot / "lib" / "rustlib" / "src" / "rust" / "library"
    return library if (library / "std" / "Cargo.toml").is_file() else None


def choose(triple: str, candidates: Sequence[Toolchain]) -> Choice | None:
    """The first candidate with a prebuilt standard library for ``triple``, else the first with
    the sources to build one, else None. ``candidates[0]`` is the active toolchain."""
    for index, toolchain in enumerate(candidates):
        if has_prebuilt_std(toolchain, triple):
            return Choice(toolchain, active=index == 0, build_std=False)
    for index, toolchain in enumerate(candidates):
        if std_sources(toolchain) is not None:
            return Choice(toolchain, active=index == 0, build_std=True)
    return None


def missing_std_message(triple: str, where: str) -> str:
    return (
        f"no Rust standard library for {triple} in {where} (nor in another rustup toolchain), "
        f"and no Rust sources to build one: run 'rustup target add {triple}' (for a target "
        f"rustup has no standard library for: 'rustup component add rust-src'), or on Debian "
        f"install libstd-rust-web-dev for the target's architecture at rustc-web's version, or "
        f"rust-web-src at rustc-web's version (tools/provision-cross.sh does either)"
    )


def setup_env(
    choice: Choice, triple: str, environ: Mapping[str, str], *, nightly: bool
) -> RustSetup:
    """The environment a choice needs; what the user already set is left as it is."""
    env: dict[str, str] = {}
    notes: list[str] = []
    if not choice.active:
        env["RUSTUP_TOOLCHAIN"] = choice.toolchain.name
        what = "has the standard library" if not choice.build_std else "has the Rust sources"
        notes.append(f"using rustup toolchain {choice.toolchain.name}: it {what} for {triple}")
    if choice.build_std:
        if "CARGO_UNSTABLE_BUILD_STD" not in environ:
            env["CARGO_UNSTABLE_BUILD_STD"] = BUILD_STD
        unlocked = ""
        if not nightly and "RUSTC_BOOTSTRAP" not in environ:
            # cargo takes -Z settings only from a nightly compiler, or from one told it may.
            env["RUSTC_BOOTSTRAP"] = "1"
            unlocked = " (RUSTC_BOOTSTRAP=1 lets a stable compiler do it)"
        notes.append(
            f"{choice.toolchain.name} ships no standard library for {triple}: cargo builds it "
            f"from {std_sources(choice.toolchain)} with build-std{unlocked}, which adds a few "
            f"minutes to the first build"
        )
    return RustSetup(env, tuple(notes))


# ------------------------------------------------------------------------------------------------
# The linker
#
# rustc links with ``cc`` unless told otherwise, and ``cc`` links for this machine. Yocto and
# Buildroot tell cargo their own linker (a config file, CARGO_TARGET_<TRIPLE>_LINKER); someone
# with Debian's cross gcc expects it found. So a linker set anywhere cargo reads one is left alone;
# otherwise the target's gcc on PATH is set, with a note; otherwise a failed link says what to set.


def linker_variable(triple: str) -> str:
    """cargo's variable for the target's linker: ``CARGO_TARGET_<TRIPLE>_LINKER``."""
    return "CARGO_TARGET_" + re.sub(r"[-.]", "_", triple.upper()) + "_LINKER"


@dataclass(frozen=True)
class LinkerSetup:
    """The linker cargo is given for the target, and what a failed link's message says."""

    env: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    on_failure: str = ""
    """What to do when linking fails; empty when the user chose the linker."""

    def explain(self, cause: str) -> str | None:
        """What to do about a failure whose cause (``processes.failure_cause``) is a failed link."""
        return self.on_failure if self.on_failure and _LINK_FAILED.match(cause) else None


_LINK_FAILED = re.compile(r"^error: (linking with `[^`]*` failed|linker `[^`]*` not found)")
_LINKER_FLAG = re.compile(r"-C[\s\x1f]*linker=")

CargoConfig = tuple[Path, "Mapping[str, Any] | None"]
"""A cargo configuration file and what it holds; None when it is not readable TOML (cargo will
say so, and maturin-cross sets nothing over what it may set)."""


def gcc_names(gnu_types: Sequence[str]) -> list[str]:
    """The names a gcc for the target goes by: ``<gnu-type>-gcc`` for each of the target's GNU
    types (its HOST_GNU_TYPE, its multiarch), and without the vendor (``i686-pc-linux-gnu`` ->
    ``i686-linux-gnu-gcc``, Debian's name)."""
    names: list[str] = []
    for gnu_type in gnu_types:
        parts = gnu_type.split("-")
        for name in (gnu_type, "-".join([parts[0], *parts[2:]]) if len(parts) == 4 else ""):
            if name and f"{name}-gcc" not in names:
                names.append(f"{name}-gcc")
    return names


def linker_set_by(
    triple: str, environ: Mapping[str, str], configs: Sequence[CargoConfig]
) -> str | None:
    """Where a linker for ``triple`` is already set, for people; None when nowhere cargo reads
    one: the linker variable, ``-C linker=`` in rustflags, ``target.<triple>.linker`` or
    ``target.<cfg>.linker`` (or their rustflags) in a cargo configuration file."""
    variable = linker_variable(triple)
    if environ.get(variable):
        return variable
    rustflags = ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS")
    for name in (*rustflags, variable.removesuffix("_LINKER") + "_RUSTFLAGS"):
        if _LINKER_FLAG.search(environ.get(name, "")):
            return name
    for path, config in configs:
        if config is None:
            return f"{path} (not readable as TOML)"
        targets = config.get("target")
        tables = targets.items() if isinstance(targets, Mapping) else ()
        for key, table in tables:
            ours = (key == triple or key.startswith("cfg(")) and isinstance(table, Mapping)
            if ours and ("linker" in table or _flags_name_a_linker(table.get("rustflags"))):
                return f"target.{key} of {path}"
        build = config.get("build")
        if isinstance(build, Mapping) and _flags_name_a_linker(build.get("rustflags")):
            return f"build.rustflags of {path}"
    return None


def _flags_name_a_linker(flags: object) -> bool:
    text = " ".join(flags) if isinstance(flags, list) else str(flags or "")
    return bool(_LINKER_FLAG.search(text))


def linker_setup(
    triple: str,
    gnu_types: Sequence[str],
    environ: Mapping[str, str],
    configs: Sequence[CargoConfig],
    which: Callable[[str], str | None],
) -> LinkerSetup:
    """The linker for ``triple``: what the user set is left as it is; else the first of the
    target's gcc names that ``which`` finds on PATH is set; else nothing, and a failed link says
    which to set."""
    if linker_set_by(triple, environ, configs) is not None:
        return LinkerSetup()
    variable = linker_variable(triple)
    names = gcc_names(gnu_types)
    found = next(((name, path) for name in names if (path := which(name))), None)
    if found is None:
        wanted = names[0] if names else "the target's gcc"
        debian = f" (Debian: apt install gcc-{wanted.removesuffix('-gcc')})"
        return LinkerSetup(
            on_failure=(
                f"no linker is set for {triple}, so cargo linked with cc, which links for this "
                f"machine, and no {' or '.join(names) or 'gcc for the target'} is on PATH: "
                f"install the target's gcc{debian if names else ''} and set "
                f"{variable}={wanted}"
            )
        )
    name, path = found
    return LinkerSetup(
        env={variable: name},
        notes=(
            f"no linker set for {triple}: linking with {name} ({path}), the target's gcc on "
            f"PATH ({variable}={name}; set it to choose another)",
        ),
        on_failure=(
            f"{name} is the linker maturin-cross found on PATH, as nothing set one for "
            f"{triple}; set {variable} to the target's linker"
        ),
    )


# ------------------------------------------------------------------------------------------------
# Asking the host


def _rustup_toolchains() -> list[Toolchain]:
    listing = capture(["rustup", "toolchain", "list", "-v"]) or ""
    found = []
    for line in listing.splitlines():
        words = line.split()
        if len(words) >= 2:
            found.append(Toolchain(words[0], Path(words[-1])))
    return found


def _is_nightly(env_delta: Mapping[str, str]) -> bool:
    said = capture(["rustc", "-vV"], env_delta=env_delta) or ""
    release = next((line for line in said.splitlines() if line.startswith("release:")), "")
    return "nightly" in release or "-dev" in release


def setup_for(triple: str, environ: Mapping[str, str]) -> RustSetup:
    """Make sure cargo can build for ``triple`` (a standard library, prebuilt or built); custom
    triples (JSON specs) are cargo's to resolve and are not checked."""
    pinned = environ.get("RUSTUP_TOOLCHAIN")
    pin = {"RUSTUP_TOOLCHAIN": pinned} if pinned else {}
    # One rustc for both answers: the target list, then the sysroot on the last line.
    said = capture(["rustc", "--print", "target-list", "--print", "sysroot"], env_delta=pin)
    lines = [line.strip() for line in (said or "").splitlines() if line.strip()]
    if said is None or not lines:
        raise BuildError(
            "cannot run rustc; install a Rust toolchain (rustup, or Debian's rustc-web) "
            "and put it on PATH"
        )
    *targets, sysroot = lines
    if triple not in targets:
        return RustSetup(sysroot=Path(sysroot))
    candidates = [Toolchain(pinned or "the active toolchain", Path(sysroot))] if sysroot else []
    if not pinned:
        candidates += [t for t in _rustup_toolchains() if t.sysroot != Path(sysroot)]
    choice = choose(triple, candidates)
    if choice is None:
        raise BuildError(missing_std_message(triple, sysroot or "the active toolchain"))
    if choice.active and not choice.build_std:
        return RustSetup(sysroot=choice.toolchain.sysroot)
    delta = pin if choice.active else {"RUSTUP_TOOLCHAIN": choice.toolchain.name}
    nightly = choice.build_std and _is_nightly(delta)
    setup = setup_env(choice, triple, environ, nightly=nightly)
    return RustSetup(setup.env, setup.notes, choice.toolchain.sysroot)


def cargo_configs(start: Path, environ: Mapping[str, str]) -> list[CargoConfig]:
    """The configuration files cargo reads when started in ``start``: ``.cargo/config.toml``
    and ``config`` there and in every folder above it, then ``$CARGO_HOME``'s."""
    home = environ.get("CARGO_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".cargo")
    folders = [folder / ".cargo" for folder in (start, *start.parents)] + [Path(home)]
    found: list[CargoConfig] = []
    for folder in folders:
        for name in ("config.toml", "config"):
            path = folder / name
            if path.is_file():
                try:
                    found.append((path, tomlfile.loads(path.read_text(encoding="utf-8"))))
                except (OSError, ValueError):
                    found.append((path, None))
    return found


def linker_for(
    triple: str, gnu_types: Sequence[str], start: Path, environ: Mapping[str, str]
) -> LinkerSetup:
    """:func:`linker_setup` with this host's cargo configuration and PATH."""
    path = environ.get("PATH", os.defpath)
    return linker_setup(
        triple,
        gnu_types,
        environ,
        cargo_configs(start, environ),
        lambda name: shutil.which(name, path=path),
    )
