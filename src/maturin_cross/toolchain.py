"""Which Rust toolchain builds for the target, and how it gets the target's standard library.

A toolchain serves a target when it has the target's prebuilt standard library
(``SYSROOT/lib/rustlib/TRIPLE/lib``: rustup's ``rust-std``, Debian's ``libstd-rust-web-dev``) or,
failing that, the standard library's sources (``SYSROOT/lib/rustlib/src/rust/library``: rustup's
``rust-src``, Debian's ``rust-web-src``), from which cargo's ``build-std`` builds it. That is the
only way to a standard library for targets no package ships one for (tier 3 targets such as
``mipsel-unknown-linux-gnu``, or an architecture whose package lags behind the compiler). The
active toolchain is asked first, then every rustup toolchain, unless ``RUSTUP_TOOLCHAIN`` pins one.

:func:`choose` decides from what is on disk; :func:`setup_for` asks the host which toolchains
there are (through :mod:`maturin_cross._run`) and returns what cargo and rustc must see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from maturin_cross._run import capture
from maturin_cross.errors import BuildError

BUILD_STD = "std,panic_abort"
"""The crates build-std builds: ``std`` and what it needs, with both panic runtimes."""


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
    targets = capture(["rustc", "--print", "target-list"], env_delta=pin)
    if targets is None:
        raise BuildError(
            "cannot run rustc; install a Rust toolchain (rustup, or Debian's rustc-web) "
            "and put it on PATH"
        )
    if triple not in targets.split():
        return RustSetup()
    sysroot = (capture(["rustc", "--print", "sysroot"], env_delta=pin) or "").strip()
    candidates = [Toolchain(pinned or "the active toolchain", Path(sysroot))] if sysroot else []
    if not pinned:
        candidates += [t for t in _rustup_toolchains() if t.sysroot != Path(sysroot)]
    choice = choose(triple, candidates)
    if choice is None:
        raise BuildError(missing_std_message(triple, sysroot or "the active toolchain"))
    if choice.active and not choice.build_std:
        return RustSetup()
    delta = pin if choice.active else {"RUSTUP_TOOLCHAIN": choice.toolchain.name}
    nightly = choice.build_std and _is_nightly(delta)
    return setup_env(choice, triple, environ, nightly=nightly)
