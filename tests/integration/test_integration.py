"""The proof: examples/rpds cross-built through both doors (the PEP 517 backend under
``python -m build``, isolated and not, and ``maturin-cross build``) for armhf, arm64, i386, ppc64el
and s390x, and through ``maturin-cross build`` for armel, mipsel, mips64el and riscv64 too (their
Rust standard library built with build-std, as s390x's) and for sid's Python 3.14 and 3.15 on
arm64 (bookworm's 3.11 everywhere else, trixie's 3.13 on riscv64), with nothing set but
MATURIN_CROSS_SYSCONFIGDATA (and the linker), imports in the target's own Python under qemu and
returns right answers, seen both directly and through ``maturin-cross test``."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cross_arches import ARCHES
from harness import CrossToolchain, OldestRust, clean_environ, run_cli, rustc_without_std
from rpdsbuilds import rpds_build

CHECK = """
import platform, rpds
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
gone = m.remove("a")
big = rpds.HashTrieMap({i: i * i for i in range(2000)})
print(platform.machine(), rpds.rpds.__file__.rsplit("/", 1)[1])
print(sorted(m.items()), len(gone), "a" in gone, m["b"], big[1999], len(big.discard(-1)))
"""


def _build_env(toolchain: CrossToolchain, **extra: str) -> dict[str, str]:
    return clean_environ(**toolchain.build_env(), **extra)


def _assert_imports(toolchain: CrossToolchain, wheel: Path, tmp_path: Path) -> None:
    tag, multiarch, machine = ARCHES[toolchain.spec]
    cp = "cp" + toolchain.version.replace(".", "")
    module = f"rpds.cpython-{cp[2:]}-{multiarch}.so"
    assert wheel.name == f"rpds_example-0.1.0-{cp}-{cp}-{tag}.whl"
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert f"rpds/{module}" in names
    wheel_meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    assert f"Tag: {cp}-{cp}-{tag}" in (unpacked / wheel_meta).read_text().splitlines()
    out = toolchain.run_python(CHECK, pythonpath=unpacked).splitlines()
    assert out[0] == f"{machine} {module}"
    assert out[1] == "[('a', 1), ('b', 2)] 1 False 2 3996001 2000"
    proof = run_cli(
        ["test", wheel, "--sysroot", toolchain.sysroot, "--command", CHECK], env=clean_environ()
    )
    assert proof.returncode == 0, proof.stderr
    how = "natively" if toolchain.arch in ("amd64", "i386") else "under qemu"
    assert proof.stdout.splitlines() == [
        f"imported rpds.rpds in the target's Python {how} ({toolchain.rust_target})",
        *out,
    ]


# Both install from the index: the isolated build its requirements, and the self_wheelhouse
# fixture (which marks them `index`) the build backend of maturin-cross itself. The tests below
# are marked by hand: their isolated build installs maturin from the index, through no fixture.
@pytest.mark.parametrize("isolation", ["isolated", "no-isolation"])
def test_python_m_build_wheel_imports_under_qemu(
    door_toolchain: CrossToolchain,
    self_wheelhouse: Path,
    rpds_source: Path,
    tmp_path: Path,
    isolation: str,
) -> None:
    out = tmp_path / "dist"
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(rpds_source)]
    if isolation == "no-isolation":
        cmd.insert(4, "--no-isolation")
    env = _build_env(door_toolchain, PIP_FIND_LINKS=str(self_wheelhouse))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    _assert_imports(door_toolchain, wheels[0], tmp_path)


@pytest.mark.index
def test_cli_build(
    toolchain: CrossToolchain, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    # The build is shared with the corpus (test_corpus.py), whichever asks first.
    built = rpds_build(toolchain, tmp_path_factory.mktemp(f"rpds-{toolchain.arch}"))
    done, out = built.done, built.out
    assert done.returncode == 0, done.stderr[-5000:]
    # The sysroot the sysconfigdata sits in is the one libraries are checked against.
    assert (
        f"is in {toolchain.sysroot} or the wheel, with the symbol versions they require"
        in done.stderr
    )
    # ... and the symbols the module leaves undefined against the target's own python3.11.
    assert "is defined by the target's Python or a library they load" in done.stderr
    if toolchain.std == "build-std":
        assert (
            "cargo builds it from /usr/lib/rustlib/src/rust/library with build-std" in done.stderr
        )
    wheel = Path(done.stdout.strip().splitlines()[-1])
    assert wheel.parent == out
    _assert_imports(toolchain, wheel, tmp_path)


@pytest.mark.index
def test_maturin_failure_leaves_nothing(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    lib = rpds_source / "src" / "lib.rs"
    lib.write_text(lib.read_text() + "\nfn broken( {}\n")
    out = tmp_path / "wheels"
    done = run_cli(["build", rpds_source, "-o", out], env=_build_env(armhf))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("maturin-cross: error: maturin failed (exit 1)")
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.index
def test_the_oldest_rust_supported_builds_the_standard_library_itself(
    armhf: CrossToolchain, oldest_rust: OldestRust, rpds_source: Path, tmp_path: Path
) -> None:
    # Debian bookworm's rustc-web 1.85 with no armv7 standard library, only its sources: cargo
    # 1.85 must be handed build-std's crate list in a form it reads, and the wheel must load.
    out = tmp_path / "wheels"
    done = run_cli(["build", rpds_source, "-o", out], env=_build_env(armhf, **oldest_rust.env()))
    assert done.returncode == 0, done.stderr[-5000:]
    sources = oldest_rust.bin.parent / "lib" / "rustlib" / "src" / "rust" / "library"
    assert f"cargo builds it from {sources} with build-std" in done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    _assert_imports(armhf, wheel, tmp_path)


@pytest.mark.index
def test_a_rust_too_old_for_the_crate_names_the_crate_and_the_way_out(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    manifest = rpds_source / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace('rust-version = "1.83"', 'rust-version = "1.999"')
    )
    out = tmp_path / "wheels"
    done = run_cli(["build", rpds_source, "-o", out], env=_build_env(armhf))
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.match(
        r"maturin-cross: error: maturin failed \(exit 1\): rustc \S+ is too old for this crate's "
        r"dependencies \(rpds-example@0\.1\.0 needs rustc 1\.999\): use a Rust of at least "
        r"1\.999 \('rustup update', or a newer rustc-web on Debian\)",
        last,
    ), last
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.index
def test_no_rust_standard_library_for_target(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    # A pinned toolchain with neither an armv7 standard library nor the Rust sources must give
    # one clear error before cargo starts.
    out = tmp_path / "wheels"
    done = run_cli(
        ["build", rpds_source, "-o", out], env=_build_env(armhf, **rustc_without_std(tmp_path))
    )
    assert done.returncode == 1, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert "no Rust standard library for armv7-unknown-linux-gnueabihf" in message
    assert "rustup target add" in message
    assert not out.exists()


def test_build_proves_the_wheel_on_the_target_when_asked(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wheels"
    done = run_cli(
        ["build", "--no-isolation", rpds_source, "-o", out, "-C", "test=import"],
        env=_build_env(armhf),
    )
    assert done.returncode == 0, done.stderr[-5000:]
    assert "maturin-cross: imported rpds.rpds in the target's Python under qemu" in done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    inspected = run_cli(
        ["inspect", wheel, "--sysroot", armhf.sysroot, "--sysconfigdata", armhf.sysconfigdata],
        env=clean_environ(),
    )
    assert inspected.returncode == 0, inspected.stderr
    lines = inspected.stdout.splitlines()
    assert f"  libraries, looked up in {armhf.sysroot}:" in lines
    module = "rpds/rpds.cpython-311-arm-linux-gnueabihf.so"
    assert f"    {module} needs libc.so.6: /lib/arm-linux-gnueabihf/libc.so.6" in lines
    assert f"    {module} needs libgcc_s.so.1: /lib/arm-linux-gnueabihf/libgcc_s.so.1" in lines
