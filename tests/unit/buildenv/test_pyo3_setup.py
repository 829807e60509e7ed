"""The PyO3 setup: the config file written from the target's sysconfigdata, the PYO3_CROSS*
variables that agree with it, and what is said."""

from __future__ import annotations

from pathlib import Path

import pytest
from sysroots import ARMHF, plan_in, sysroot

from maturin_cross.buildenv import pyo3_setup
from maturin_cross.pipeline import planning
from maturin_cross.target.sysconfigdata import SysconfigData


def _setup(build: planning.Build, folder: Path, environ: dict[str, str]) -> pyo3_setup.PyO3Setup:
    assert build.sysconfigdata is not None
    return pyo3_setup.setup(
        build.target,
        build.sysconfigdata,
        build.project,
        build.settings.maturin,
        folder,
        environ,
    )


def test_pyo3_config_file_and_cross_variables(tmp_path: Path) -> None:
    data = sysroot(tmp_path)
    plan = plan_in(tmp_path, {"sysconfigdata": str(data)})
    setup = _setup(plan, tmp_path, {})
    path = setup.path
    text = path.read_text()
    libdir = tmp_path / "sysroot" / "usr" / "lib" / "arm-linux-gnueabihf"
    assert f"lib_dir={libdir}\n" in text
    assert "pointer_width=32\n" in text
    # No Cargo.lock: the pyo3 version is unknown, so no maturin-only keys.
    assert "ext_suffix" not in text
    assert setup.env["PYO3_CONFIG_FILE"] == str(path)
    assert setup.env["PYO3_CROSS"] == "1"
    # The sysconfigdata's own folder: where pyo3 looks for it, and what build scripts derive
    # the target's include folder from (cryptography: LIBDEST/../../include/python3.11).
    assert setup.env["PYO3_CROSS_LIB_DIR"] == str(data.parent)
    assert data.parent.name == "python3.11"
    assert setup.env["PYO3_CROSS_PYTHON_VERSION"] == "3.11"


def test_an_existing_config_file_is_replaced_and_said(tmp_path: Path) -> None:
    data = sysroot(tmp_path)
    (tmp_path / "Cargo.lock").write_text(
        'version = 4\n[[package]]\nname = "pyo3"\nversion = "0.23.5"\n'
    )
    yocto = tmp_path / "pyo3.config"
    yocto.write_text(
        "implementation=CPython\nversion=3.11\nlib_dir=/recipe-sysroot/usr/lib\nbuild_flags=WITH_THREAD\n"
    )
    plan = plan_in(tmp_path, {"sysconfigdata": str(data)})
    setup = _setup(plan, tmp_path / "", {"PYO3_CONFIG_FILE": str(yocto)})
    text = setup.path.read_text()
    assert "ext_suffix=.cpython-311-arm-linux-gnueabihf.so\n" in text
    assert "build_flags=\n" in text
    assert any(
        note.startswith(f"PYO3_CONFIG_FILE={yocto} replaced by one written from")
        for note in setup.notes
    )
    assert yocto.read_text().startswith("implementation=CPython\nversion=3.11\n")


def test_lib_dir_falls_back_to_pyo3_cross_lib_dir(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere" / "_sysconfigdata.py"
    data.parent.mkdir()
    data.write_text("")
    armhf = SysconfigData.of(ARMHF, str(data))
    assert (
        pyo3_setup.lib_dir(armhf, {"PYO3_CROSS_LIB_DIR": "/staging/usr/lib"}) == "/staging/usr/lib"
    )
    assert pyo3_setup.lib_dir(armhf, {}) == str(data.parent)


@pytest.mark.parametrize(
    "build_args",
    [
        "-msub/Cargo.toml -F=pyo3/abi3-py38",
        "-m=sub/Cargo.toml -Fpyo3/abi3-py38",
        "--manifest-path sub/Cargo.toml --features pyo3/abi3-py38,x",
        "--manifest-path=sub/Cargo.toml --features=pyo3/abi3-py38",
    ],
)
def test_manifest_and_features_spelled_each_way_maturin_accepts(
    tmp_path: Path, build_args: str
) -> None:
    data = sysroot(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "Cargo.toml").write_text('[package]\nname = "x"\n[dependencies]\npyo3 = "0.23"\n')
    (sub / "Cargo.lock").write_text('version = 4\n[[package]]\nname = "pyo3"\nversion = "0.23.5"\n')
    plan = plan_in(tmp_path, {"sysconfigdata": str(data), "build-args": build_args})
    text = _setup(plan, tmp_path, {}).path.read_text()
    # The lock beside the manifest was read (pyo3 0.23 takes maturin's keys), and the feature seen.
    assert "ext_suffix=.cpython-311-arm-linux-gnueabihf.so\n" in text
    assert "abi3=true\n" in text


def test_no_pyo3_note_for_a_package_without_pyo3(tmp_path: Path) -> None:
    data = sysroot(tmp_path)
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "tool"\n[dependencies]\nclap = "4"\n')
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "tool"\nversion = "1"\n[tool.maturin]\nbindings = "bin"\n'
    )
    plan = planning.plan(tmp_path, {"sysconfigdata": str(data)}, {})
    setup = _setup(plan, tmp_path, {})
    assert not [note for note in setup.notes if "pyo3" in note]


def test_a_given_pyo3_cross_lib_dir_is_replaced_by_the_sysconfigdata_folder_and_said(
    tmp_path: Path,
) -> None:
    # Yocto's python_pyo3.bbclass exports STAGING_LIBDIR; pyo3 and the build scripts are given
    # the folder of the sysconfigdata the build uses instead, and the log says so.
    data = sysroot(tmp_path)
    plan = plan_in(tmp_path, {"sysconfigdata": str(data)})
    staging = str(tmp_path / "sysroot" / "usr" / "lib")
    setup = _setup(plan, tmp_path, {"PYO3_CROSS_LIB_DIR": staging})
    assert setup.env["PYO3_CROSS_LIB_DIR"] == str(data.parent)
    assert f"PYO3_CROSS_LIB_DIR={staging} replaced by {data.parent}, the folder of {data.name}" in (
        setup.notes
    )
    same = _setup(plan, tmp_path, {"PYO3_CROSS_LIB_DIR": str(data.parent)})
    assert not any(note.startswith("PYO3_CROSS_LIB_DIR") for note in same.notes)
