"""The proof: examples/rpds cross-built for armhf through the PEP 517 backend, with nothing set
but MATURIN_CROSS_SYSCONFIGDATA (and the linker), imports in the target's own Python under qemu
and returns right answers."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import CrossToolchain

pytestmark = pytest.mark.cross

CHECK = """
import platform, rpds
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
gone = m.remove("a")
big = rpds.HashTrieMap({i: i * i for i in range(2000)})
print(platform.machine(), rpds.rpds.__file__.rsplit("/", 1)[1])
print(sorted(m.items()), len(gone), "a" in gone, m["b"], big[1999], len(big.discard(-1)))
"""


def _build_env(armhf: CrossToolchain, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MATURIN_CROSS_", "PYO3_", "CARGO_BUILD_", "_PYTHON_"))
        and k != "RUSTUP_TOOLCHAIN"
    }
    env["MATURIN_CROSS_SYSCONFIGDATA"] = str(armhf.sysconfigdata)
    env.update(armhf.linker_env)
    env.update(extra)
    return env


def _assert_imports(armhf: CrossToolchain, wheel: Path, tmp_path: Path) -> None:
    assert wheel.name == "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert "rpds/rpds.cpython-311-arm-linux-gnueabihf.so" in names
    wheel_meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    assert "Tag: cp311-cp311-linux_armv7l" in (unpacked / wheel_meta).read_text()
    out = armhf.run_python(CHECK, pythonpath=unpacked).splitlines()
    assert out[0] == "armv7l rpds.cpython-311-arm-linux-gnueabihf.so"
    assert out[1] == "[('a', 1), ('b', 2)] 1 False 2 3996001 2000"


@pytest.mark.parametrize("isolation", ["isolated", "no-isolation"])
def test_python_m_build_armhf_wheel_imports_under_qemu(
    armhf: CrossToolchain,
    self_wheelhouse: Path,
    rpds_source: Path,
    tmp_path: Path,
    isolation: str,
) -> None:
    out = tmp_path / "dist"
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(rpds_source)]
    if isolation == "no-isolation":
        cmd.insert(4, "--no-isolation")
    env = _build_env(armhf, PIP_FIND_LINKS=str(self_wheelhouse))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    _assert_imports(armhf, wheels[0], tmp_path)


def test_cli_build_armhf(armhf: CrossToolchain, rpds_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "maturin_cross", "build", str(rpds_source), "-o", str(out)],
        env=_build_env(armhf),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    wheel = Path(done.stdout.strip().splitlines()[-1])
    assert wheel.parent == out
    _assert_imports(armhf, wheel, tmp_path)


def test_maturin_failure_leaves_nothing(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    lib = rpds_source / "src" / "lib.rs"
    lib.write_text(lib.read_text() + "\nfn broken( {}\n")
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "maturin_cross", "build", str(rpds_source), "-o", str(out)],
        env=_build_env(armhf),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("maturin-cross: error: maturin failed (exit 1)")
    assert not out.exists() or not any(out.iterdir())


def test_no_rust_standard_library_for_target(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    # rustup's own toolchain has no armv7 standard library here; naming it explicitly must
    # give one clear error before cargo starts.
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "maturin_cross", "build", str(rpds_source), "-o", str(out)],
        env=_build_env(armhf, RUSTUP_TOOLCHAIN="stable"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert "no Rust standard library for armv7-unknown-linux-gnueabihf" in message
    assert "rustup target add" in message
    assert not out.exists()
