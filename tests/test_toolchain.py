"""Choosing the Rust toolchain for a target: a prebuilt standard library first, then the sources
for cargo's build-std, else one line saying what to install. The choice is made over real
folders laid out like rustup's and Debian's sysroots; the host probe runs the real rustc."""

from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross import toolchain
from maturin_cross.errors import BuildError
from maturin_cross.toolchain import Choice, RustSetup, Toolchain

S390X = "s390x-unknown-linux-gnu"


def _sysroot(
    root: Path, name: str, *, std_for: tuple[str, ...] = (), sources: bool = False
) -> Toolchain:
    sysroot = root / name
    for triple in std_for:
        (sysroot / "lib" / "rustlib" / triple / "lib").mkdir(parents=True)
    (sysroot / "lib" / "rustlib").mkdir(parents=True, exist_ok=True)
    if sources:
        std = sysroot / "lib" / "rustlib" / "src" / "rust" / "library" / "std"
        std.mkdir(parents=True)
        (std / "Cargo.toml").write_text('[package]\nname = "std"\n')
    return Toolchain(name, sysroot)


def test_a_prebuilt_standard_library_wins_over_sources(tmp_path: Path) -> None:
    active = _sysroot(tmp_path, "stable", sources=True)
    debian = _sysroot(tmp_path, "debian-web", std_for=(S390X,))
    assert toolchain.choose(S390X, [active, debian]) == Choice(
        debian, active=False, build_std=False
    )
    assert toolchain.choose(S390X, [debian, active]) == Choice(debian, active=True, build_std=False)


def test_sources_are_the_fallback(tmp_path: Path) -> None:
    active = _sysroot(tmp_path, "stable", std_for=("x86_64-unknown-linux-gnu",))
    debian = _sysroot(tmp_path, "debian-web", sources=True)
    assert toolchain.choose(S390X, [active, debian]) == Choice(debian, active=False, build_std=True)
    assert toolchain.std_sources(debian) == (
        debian.sysroot / "lib" / "rustlib" / "src" / "rust" / "library"
    )


def test_an_empty_sources_folder_is_not_sources(tmp_path: Path) -> None:
    active = _sysroot(tmp_path, "stable")
    (active.sysroot / "lib" / "rustlib" / "src" / "rust" / "library").mkdir(parents=True)
    assert toolchain.std_sources(active) is None
    assert toolchain.choose(S390X, [active]) is None


def test_build_std_environment_and_note(tmp_path: Path) -> None:
    debian = _sysroot(tmp_path, "debian-web", sources=True)
    setup = toolchain.setup_env(
        Choice(debian, active=False, build_std=True), S390X, {}, nightly=False
    )
    assert setup.env == {
        "RUSTUP_TOOLCHAIN": "debian-web",
        "CARGO_UNSTABLE_BUILD_STD": "std,panic_abort",
        "RUSTC_BOOTSTRAP": "1",
    }
    assert (
        setup.notes[0] == f"using rustup toolchain debian-web: it has the Rust sources for {S390X}"
    )
    assert setup.notes[1].startswith(
        f"debian-web ships no standard library for {S390X}: cargo builds it from "
    )
    assert "RUSTC_BOOTSTRAP=1" in setup.notes[1]


def test_what_the_user_set_is_kept_and_nightly_needs_no_bootstrap(tmp_path: Path) -> None:
    nightly = _sysroot(tmp_path, "nightly", sources=True)
    choice = Choice(nightly, active=True, build_std=True)
    setup = toolchain.setup_env(
        choice, S390X, {"CARGO_UNSTABLE_BUILD_STD": "core,alloc"}, nightly=True
    )
    assert setup.env == {}
    assert "RUSTC_BOOTSTRAP" not in setup.notes[0]
    kept = toolchain.setup_env(choice, S390X, {"RUSTC_BOOTSTRAP": "1"}, nightly=False)
    assert kept.env == {"CARGO_UNSTABLE_BUILD_STD": "std,panic_abort"}


def test_a_prebuilt_library_in_another_toolchain_is_only_a_switch(tmp_path: Path) -> None:
    debian = _sysroot(tmp_path, "debian-web", std_for=(S390X,))
    setup = toolchain.setup_env(
        Choice(debian, active=False, build_std=False), S390X, {}, nightly=False
    )
    assert setup == RustSetup(
        {"RUSTUP_TOOLCHAIN": "debian-web"},
        (f"using rustup toolchain debian-web: it has the standard library for {S390X}",),
    )


def test_missing_everything_says_what_to_install() -> None:
    message = toolchain.missing_std_message("mipsel-unknown-linux-gnu", "/usr")
    assert message.startswith(
        "no Rust standard library for mipsel-unknown-linux-gnu in /usr (nor in another rustup "
        "toolchain), and no Rust sources to build one: run 'rustup target add "
        "mipsel-unknown-linux-gnu'"
    )
    assert "rust-web-src" in message
    assert "libstd-rust-web-dev" in message


def test_the_host_and_custom_triples_need_nothing() -> None:
    # The real rustc on PATH: its own target always has a standard library.
    assert toolchain.setup_for("x86_64-unknown-linux-gnu", {}) == RustSetup()
    # A vendor triple is a custom target spec (RUST_TARGET_PATH): not rustc's to check.
    assert toolchain.setup_for("armv7-poky-linux-gnueabihf", {}) == RustSetup()


def test_a_pinned_toolchain_without_std_or_sources_is_one_line() -> None:
    # rustup's stable toolchain here has neither a mips standard library nor rust-src.
    stable = toolchain.Toolchain("stable", Path("/nonexistent"))
    assert toolchain.choose("mipsel-unknown-linux-gnu", [stable]) is None
    with pytest.raises(BuildError, match="no Rust standard library for mipsel-unknown-linux-gnu"):
        toolchain.setup_for("mipsel-unknown-linux-gnu", {"RUSTUP_TOOLCHAIN": "stable"})
