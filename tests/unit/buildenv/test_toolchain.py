"""Choosing the Rust toolchain for a target: a prebuilt standard library first, then the sources
for cargo's build-std, else one line saying what to install. The choice is made over real
folders laid out like rustup's and Debian's sysroots; the host probe runs the real rustc."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import ANY

import pytest
from harness import rustc_without_std

from maturin_cross.buildenv import toolchain
from maturin_cross.buildenv.toolchain import Choice, RustSetup, Toolchain
from maturin_cross.errors import BuildError

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
        "CARGO_UNSTABLE_BUILD_STD": "std panic_abort",
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
    assert kept.env == {"CARGO_UNSTABLE_BUILD_STD": "std panic_abort"}


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
    host = toolchain.setup_for("x86_64-unknown-linux-gnu", {})
    assert (host.env, host.notes) == ({}, ())
    assert host.sysroot is not None and (host.sysroot / "lib" / "rustlib").is_dir()
    # A vendor triple is a custom target spec (RUST_TARGET_PATH): not rustc's to check.
    custom = toolchain.setup_for("armv7-poky-linux-gnueabihf", {})
    assert (custom.env, custom.notes, custom.sysroot) == ({}, (), host.sysroot)


def test_a_pinned_toolchain_without_std_or_sources_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = toolchain.Toolchain("bare", Path("/nonexistent"))
    assert toolchain.choose("mipsel-unknown-linux-gnu", [bare]) is None
    env = rustc_without_std(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    with pytest.raises(BuildError, match="no Rust standard library for mipsel-unknown-linux-gnu"):
        toolchain.setup_for(
            "mipsel-unknown-linux-gnu", {"RUSTUP_TOOLCHAIN": env["RUSTUP_TOOLCHAIN"]}
        )


# --- the linker ---------------------------------------------------------------------------------

ARMHF = "armv7-unknown-linux-gnueabihf"
ARMHF_LINKER = "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER"
LINK_FAILED = "error: linking with `cc` failed: exit status: 1"


def test_the_linker_variable() -> None:
    assert toolchain.linker_variable(ARMHF) == ARMHF_LINKER
    assert toolchain.linker_variable("x86_64-unknown-linux-gnu") == (
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"
    )


def test_gcc_names_from_gnu_types() -> None:
    assert toolchain.gcc_names(["arm-linux-gnueabihf", "arm-linux-gnueabihf"]) == [
        "arm-linux-gnueabihf-gcc"
    ]
    assert toolchain.gcc_names(["i686-pc-linux-gnu", "i386-linux-gnu"]) == [
        "i686-pc-linux-gnu-gcc",
        "i686-linux-gnu-gcc",
        "i386-linux-gnu-gcc",
    ]


@pytest.mark.parametrize(
    ("environ", "config", "said"),
    [
        ({ARMHF_LINKER: "my-gcc"}, None, ARMHF_LINKER),
        ({"RUSTFLAGS": "-C opt-level=2 -C linker=my-gcc"}, None, "RUSTFLAGS"),
        ({"CARGO_ENCODED_RUSTFLAGS": "-C\x1flinker=my-gcc"}, None, "CARGO_ENCODED_RUSTFLAGS"),
        (
            {"CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS": "-Clinker=my-gcc"},
            None,
            "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS",
        ),
        ({}, {"target": {ARMHF: {"linker": "my-gcc"}}}, f"target.{ARMHF} of CONFIG"),
        (
            {},
            {"target": {'cfg(target_os = "linux")': {"linker": "my-gcc"}}},
            'target.cfg(target_os = "linux") of CONFIG',
        ),
        ({}, {"target": {ARMHF: {"rustflags": ["-C", "linker=my-gcc"]}}}, "target."),
        ({}, {"build": {"rustflags": "-C linker=my-gcc"}}, "build.rustflags of CONFIG"),
    ],
    ids=[
        "variable",
        "rustflags",
        "encoded-rustflags",
        "target-rustflags",
        "config",
        "config-cfg",
        "config-rustflags",
        "config-build-rustflags",
    ],
)
def test_a_linker_set_anywhere_cargo_reads_it_is_left_alone(
    environ: dict[str, str], config: dict[str, object] | None, said: str
) -> None:
    configs = [(Path("CONFIG"), config)] if config is not None else []
    where = toolchain.linker_set_by(ARMHF, environ, configs)
    assert where is not None and where.startswith(said)
    found = toolchain.linker_setup(ARMHF, ["arm-linux-gnueabihf"], environ, configs, str)
    assert found == toolchain.LinkerSetup()
    assert found.explain(LINK_FAILED) is None


def test_a_linker_for_another_target_is_not_one_for_this_one() -> None:
    other = {"target": {"aarch64-unknown-linux-gnu": {"linker": "aarch64-linux-gnu-gcc"}}}
    environ = {"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "x", "RUSTFLAGS": "-C opt-level=3"}
    assert toolchain.linker_set_by(ARMHF, environ, [(Path("CONFIG"), other)]) is None


def test_an_unreadable_cargo_config_sets_nothing_over_it() -> None:
    assert toolchain.linker_set_by(ARMHF, {}, [(Path("CONFIG"), None)]) == (
        "CONFIG (not readable as TOML)"
    )


def test_the_targets_gcc_on_path_is_set_with_a_note() -> None:
    on_path = {"arm-linux-gnueabihf-gcc": "/usr/bin/arm-linux-gnueabihf-gcc"}
    found = toolchain.linker_setup(ARMHF, ["arm-linux-gnueabihf"], {}, [], on_path.get)
    assert found.env == {ARMHF_LINKER: "arm-linux-gnueabihf-gcc"}
    (note,) = found.notes
    assert "arm-linux-gnueabihf-gcc (/usr/bin/arm-linux-gnueabihf-gcc)" in note
    assert f"{ARMHF_LINKER}=arm-linux-gnueabihf-gcc; set it to choose another" in note
    said = found.explain("error: linking with `arm-linux-gnueabihf-gcc` failed: exit status: 1")
    assert said is not None and f"set {ARMHF_LINKER} to the target's linker" in said
    assert found.explain("error: could not compile `x`") is None


def test_without_the_targets_gcc_a_failed_link_says_what_to_set() -> None:
    found = toolchain.linker_setup(ARMHF, ["arm-linux-gnueabihf"], {}, [], lambda name: None)
    assert found.env == {} and found.notes == ()
    for cause in (LINK_FAILED, "error: linker `cc` not found"):
        assert found.explain(cause) == (
            f"no linker is set for {ARMHF}, so cargo linked with cc, which links for this "
            f"machine, and no arm-linux-gnueabihf-gcc is on PATH: install the target's gcc "
            f"(Debian: apt install gcc-arm-linux-gnueabihf) and set "
            f"{ARMHF_LINKER}=arm-linux-gnueabihf-gcc"
        )
    assert found.explain("error: could not compile `x`") is None


def test_cargo_configs_are_found_where_cargo_reads_them(tmp_path: Path) -> None:
    project = tmp_path / "work" / "proj"
    project.mkdir(parents=True)
    (tmp_path / "work" / ".cargo").mkdir()
    (tmp_path / "work" / ".cargo" / "config.toml").write_text(
        f'[target.{ARMHF}]\nlinker = "arm-linux-gnueabihf-gcc"\n'
    )
    home = tmp_path / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text("[build\n")
    configs = toolchain.cargo_configs(project, {"CARGO_HOME": str(home)})
    assert configs == [
        (tmp_path / "work" / ".cargo" / "config.toml", {"target": {ARMHF: {"linker": ANY}}}),
        (home / "config.toml", None),
    ]


def test_linker_for_looks_on_the_given_path(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    gcc = tools / "arm-linux-gnueabihf-gcc"
    gcc.write_text("#!/bin/sh\n")
    gcc.chmod(0o755)
    environ = {"PATH": str(tools), "CARGO_HOME": str(tmp_path / "none")}
    found = toolchain.linker_for(ARMHF, ["arm-linux-gnueabihf"], tmp_path, environ)
    assert found.env == {ARMHF_LINKER: "arm-linux-gnueabihf-gcc"}
    assert str(gcc) in found.notes[0]
    environ["PATH"] = str(tmp_path / "empty")
    assert toolchain.linker_for(ARMHF, ["arm-linux-gnueabihf"], tmp_path, environ).env == {}
