"""The seed's bug, reproduced and healed: maturin 1.7.0 with Yocto's own pyo3.config (no
ext_suffix) names the armhf module ``rpds.cpython-311-armv7l-linux-gnueabihf.so``, which the
target's CPython does not load; ``maturin-cross fix`` turns that wheel into one that imports.
And the backend itself, driven by maturin 1.7.0 and by 1.4.0 (the oldest supported), builds a
right wheel in the same environment."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from harness import CrossToolchain, clean_environ, old_maturin, run_cli, yocto_pyo3_config

from maturin_cross.buildenv import toolchain

IMPORT = "import rpds; m = rpds.HashTrieMap({1: 2}).insert(3, 4); print(m[1], m[3], len(m))"


def _unpack(wheel: Path, folder: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
        return archive.namelist()


def test_maturin_170_seed_bug_is_healed_by_fix(
    armhf: CrossToolchain, maturin_170: Path, rpds_source: Path, tmp_path: Path
) -> None:
    config = yocto_pyo3_config(armhf, tmp_path)
    # Plain maturin, as Yocto ran it: the Rust set-up maturin-cross would give cargo (another
    # rustup toolchain, or build-std where no standard library for armv7 is installed), so that
    # the wheel is built as the seed's was on any machine.
    rust = toolchain.setup_for(armhf.rust_target, clean_environ())
    env = clean_environ(PYO3_CONFIG_FILE=str(config), **armhf.linker_env, **rust.env)
    built = tmp_path / "maturin-out"
    subprocess.run(
        [
            str(maturin_170),
            "-m",
            "maturin",
            "pep517",
            "build-wheel",
            "--compatibility",
            "off",
            "-i",
            "python3.11",
            "--target",
            armhf.rust_target,
            "--out",
            str(built),
        ],
        cwd=rpds_source,
        env=env,
        check=True,
        capture_output=True,
    )
    (broken,) = built.glob("*.whl")
    names = _unpack(broken, tmp_path / "broken")
    assert "rpds/rpds.cpython-311-armv7l-linux-gnueabihf.so" in names
    failed = armhf.try_python(IMPORT, tmp_path / "broken")
    assert failed.returncode != 0
    assert "ModuleNotFoundError: No module named 'rpds.rpds'" in failed.stderr

    fixed_dir = tmp_path / "wheelhouse"
    done = run_cli(
        ["fix", broken, "--sysconfigdata", armhf.sysconfigdata, "-w", fixed_dir],
        env=clean_environ(),
    )
    assert done.returncode == 0, done.stderr
    assert (
        "renamed rpds/rpds.cpython-311-armv7l-linux-gnueabihf.so -> rpds.cpython-311-arm-linux-gnueabihf.so"
        in done.stderr
    )
    fixed = Path(done.stdout.strip())
    assert fixed == fixed_dir / "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"
    names = _unpack(fixed, tmp_path / "fixed")
    assert "rpds/rpds.cpython-311-arm-linux-gnueabihf.so" in names
    assert armhf.run_python(IMPORT, tmp_path / "fixed").split() == ["2", "4", "2"]


@pytest.mark.parametrize("yocto_config", [False, True], ids=["plain", "yocto-pyo3-config"])
@pytest.mark.parametrize("maturin_version", ["1.4.0", "1.7.0"])
def test_backend_with_old_maturin(
    armhf: CrossToolchain,
    tmp_path_factory: pytest.TempPathFactory,
    self_wheelhouse: Path,
    rpds_source: Path,
    tmp_path: Path,
    yocto_config: bool,
    maturin_version: str,
) -> None:
    python = old_maturin(maturin_version, tmp_path_factory, self_wheelhouse)
    extra = {"MATURIN_CROSS_SYSCONFIGDATA": str(armhf.sysconfigdata), **armhf.linker_env}
    if yocto_config:
        extra["PYO3_CONFIG_FILE"] = str(yocto_pyo3_config(armhf, tmp_path))
    out = tmp_path / "dist"
    done = subprocess.run(
        [
            str(python),
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "-o",
            str(out),
            str(rpds_source),
        ],
        env=clean_environ(**extra),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    if yocto_config:
        assert "replaced by one written from" in done.stdout + done.stderr
    (wheel,) = out.glob("*.whl")
    assert wheel.name == "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"
    names = _unpack(wheel, tmp_path / "unpacked")
    assert "rpds/rpds.cpython-311-arm-linux-gnueabihf.so" in names
    assert armhf.run_python(IMPORT, tmp_path / "unpacked").split() == ["2", "4", "2"]
