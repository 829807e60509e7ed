"""No false refusal on real wheels: PyO3 packages' own manylinux aarch64 wheels from the package
index (two of them abi3), proven against Debian's arm64 sysroot and its python3.11. Every symbol
they leave undefined is found where the target's loader would find it, and the abi3 ones call
only the Stable ABI of their tag's version."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import CrossToolchain

from maturin_cross.checks import proof
from maturin_cross.pipeline import planning

WHEELS = (
    "rpds-py==2026.9.1",
    "pydantic-core==2.50.5",
    "orjson==3.13.0",
    "cryptography==51.0.1",  # cp311-abi3
    "bcrypt==5.0.0",  # cp39-abi3
)


@pytest.mark.index
def test_real_wheels_leave_nothing_unresolved(
    tmp_path: Path, provisioner: Callable[[str], CrossToolchain]
) -> None:
    toolchain = provisioner("arm64")
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:"]
    platform = ["--platform", "manylinux2014_aarch64", "--python-version", "3.11"]
    where = ["--implementation", "cp", "-d", str(tmp_path / "wheels")]
    subprocess.run([*pip, *platform, *where, *WHEELS], check=True)
    config = {"sysconfigdata": str(toolchain.sysconfigdata), "sysroot": str(toolchain.sysroot)}
    (tmp_path / "project").mkdir()
    settings = planning.read_settings(config, {}, tmp_path / "project")
    aim = planning.aim(settings, {}, tmp_path)
    wheels = sorted((tmp_path / "wheels").glob("*.whl"))
    assert len(wheels) == len(WHEELS)
    for wheel in wheels:
        checked = proof.prove(wheel, aim.target, aim.sysroot, python=aim.sysconfigdata)
        assert (wheel.name, checked.problems) == (wheel.name, ())
        # The one note: AArch64 toolchains record nothing of the instruction set (checks/isa.py).
        assert checked.baseline is not None, wheel.name
        assert checked.notes == (
            f"the instruction set was not checked: the target's {checked.baseline.where} "
            "records nothing of it (AArch64, PowerPC and s390x toolchains record no build "
            "attributes; x86 ones only with -mneeded or -Wa,-mx86-used-note=yes)",
        ), wheel.name
        assert checked.symbols, wheel.name
        for resolution in checked.symbols:
            assert resolution.checked, (wheel.name, resolution)
            assert resolution.unresolved == (), (wheel.name, resolution)
            assert any(who.startswith("python3.11 ") for who in resolution.bound), wheel.name
