"""``maturin-cross test --sysroot``: which of the sysroot's Pythons the wheels are tried in when
no target option names one. (The trial itself, under qemu, is tests/unit/trial/test_trial.py's
and the cross tests'.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross.cli.cmd_test import python_folder


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    # Debian sid's root for python3.15 holds sid's default python3.14 too (python3-cffi-backend
    # depends on it), each with its sysconfigdata.
    for folder in ("python3.14", "python3.15", "python3.13t"):
        (tmp_path / "usr" / "lib" / folder).mkdir(parents=True)
        (tmp_path / "usr" / "lib" / folder / "_sysconfigdata__linux_aarch64-linux-gnu.py").touch()
    return tmp_path


@pytest.mark.parametrize(
    ("wheels", "folder"),
    [
        (["rpds_example-0.1.0-cp315-cp315-linux_aarch64.whl"], "usr/lib/python3.15"),
        (["a-1-cp314-cp314-linux_aarch64.whl", "b-2-cp314-cp314-linux_aarch64.whl"], "usr/lib/python3.14"),
        (["a-1-cp313-cp313t-linux_aarch64.whl"], "usr/lib/python3.13t"),
        # Nothing to choose by, or nothing to choose: the whole usr/lib, as before.
        (["a-1-cp314-cp314-linux_aarch64.whl", "b-2-cp315-cp315-linux_aarch64.whl"], "usr/lib"),
        (["cryptography-50.0.2-cp311-abi3-linux_aarch64.whl"], "usr/lib"),
        (["rust_just-1.59.0-py3-none-linux_aarch64.whl"], "usr/lib"),
        (["a-1-cp312-cp312-linux_aarch64.whl"], "usr/lib"),
        (["not a wheel name.whl"], "usr/lib"),
    ],
)  # fmt: skip
def test_the_wheels_python_is_the_sysroots_python_they_are_tried_in(
    sysroot: Path, wheels: list[str], folder: str
) -> None:
    assert python_folder(sysroot, [Path(w) for w in wheels]) == sysroot / folder
