from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

from maturin_cross import _build
from maturin_cross.errors import ConfigError
from maturin_cross.settings import Settings
from maturin_cross.sysconfigdata import SysconfigData
from maturin_cross.target import resolve

ARMHF = {
    "VERSION": "3.11",
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
    "MULTIARCH": "arm-linux-gnueabihf",
    "HOST_GNU_TYPE": "armv8l-unknown-linux-gnueabihf",
    "SIZEOF_VOID_P": 4,
    "LIBDIR": "/usr/lib/arm-linux-gnueabihf",
    "LIBDEST": "/usr/lib/python3.11",
    "LDLIBRARY": "libpython3.11.so",
    "LDVERSION": "3.11",
    "Py_ENABLE_SHARED": 1,
}


def _sysroot(tmp_path: Path) -> Path:
    data = (
        tmp_path
        / "sysroot"
        / "usr"
        / "lib"
        / "python3.11"
        / "_sysconfigdata__arm-linux-gnueabihf.py"
    )
    data.parent.mkdir(parents=True)
    data.write_text(f"build_time_vars = {ARMHF!r}\n")
    libdir = tmp_path / "sysroot" / "usr" / "lib" / "arm-linux-gnueabihf"
    libdir.mkdir()
    (libdir / "libpython3.11.so").write_bytes(b"")
    return data


def test_host_target_is_this_machine() -> None:
    target = _build.host_target()
    assert target.ext_suffix == sysconfigdata_ext_suffix()
    assert target.platform_tag == sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert target.python is not None
    assert target.python.version == sys.version_info[:2]


def sysconfigdata_ext_suffix() -> str:
    value = sysconfig.get_config_var("EXT_SUFFIX")
    assert isinstance(value, str)
    return value


def _plan(
    tmp_path: Path, config: dict[str, str], environ: dict[str, str] | None = None
) -> _build.Plan:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    return _build.plan(tmp_path, config, environ or {})


def test_plan_cross_and_native(tmp_path: Path) -> None:
    data = _sysroot(tmp_path)
    cross = _plan(tmp_path, {"sysconfigdata": str(data)})
    assert cross.cross and cross.target.rust_target == "armv7-unknown-linux-gnueabihf"
    native = _plan(tmp_path, {})
    assert not native.cross and native.sysconfig_vars is None


@pytest.mark.parametrize(
    ("config", "args"),
    [
        (
            {},
            [
                "--compatibility",
                "off",
                "-i",
                "python3.11",
                "--target",
                "armv7-unknown-linux-gnueabihf",
            ],
        ),
        (
            {"build-args": "--compatibility manylinux_2_17 --locked"},
            [
                "-i",
                "python3.11",
                "--target",
                "armv7-unknown-linux-gnueabihf",
                "--compatibility",
                "manylinux_2_17",
                "--locked",
            ],
        ),
        (
            {"build-args": "-i /usr/bin/python3.11"},
            [
                "--compatibility",
                "off",
                "--target",
                "armv7-unknown-linux-gnueabihf",
                "-i",
                "/usr/bin/python3.11",
            ],
        ),
    ],
)
def test_maturin_args(tmp_path: Path, config: dict[str, str], args: list[str]) -> None:
    data = _sysroot(tmp_path)
    plan = _plan(tmp_path, {"sysconfigdata": str(data), **config})
    assert _build._maturin_args(plan, editable=False) == args


def test_native_maturin_args_use_this_interpreter(tmp_path: Path) -> None:
    plan = _plan(tmp_path, {})
    assert _build._maturin_args(plan, editable=True) == [
        "--compatibility",
        "off",
        "-i",
        sys.executable,
        "--editable",
    ]


def test_pyo3_config_file_and_cross_variables(tmp_path: Path) -> None:
    data = _sysroot(tmp_path)
    plan = _plan(tmp_path, {"sysconfigdata": str(data)})
    path = _build.write_pyo3_config(plan, tmp_path, {})
    text = path.read_text()
    libdir = tmp_path / "sysroot" / "usr" / "lib" / "arm-linux-gnueabihf"
    assert f"lib_dir={libdir}\n" in text
    assert "pointer_width=32\n" in text
    # No Cargo.lock: the pyo3 version is unknown, so no maturin-only keys.
    assert "ext_suffix" not in text
    assert plan.env_delta["PYO3_CONFIG_FILE"] == str(path)
    assert plan.env_delta["PYO3_CROSS"] == "1"
    assert plan.env_delta["PYO3_CROSS_LIB_DIR"] == str(libdir)
    assert plan.env_delta["PYO3_CROSS_PYTHON_VERSION"] == "3.11"


def test_an_existing_config_file_is_replaced_and_said(tmp_path: Path) -> None:
    data = _sysroot(tmp_path)
    (tmp_path / "Cargo.lock").write_text(
        'version = 4\n[[package]]\nname = "pyo3"\nversion = "0.23.5"\n'
    )
    yocto = tmp_path / "pyo3.config"
    yocto.write_text(
        "implementation=CPython\nversion=3.11\nlib_dir=/recipe-sysroot/usr/lib\nbuild_flags=WITH_THREAD\n"
    )
    plan = _plan(tmp_path, {"sysconfigdata": str(data)})
    path = _build.write_pyo3_config(plan, tmp_path / "", {"PYO3_CONFIG_FILE": str(yocto)})
    text = path.read_text()
    assert "ext_suffix=.cpython-311-arm-linux-gnueabihf.so\n" in text
    assert "build_flags=\n" in text
    assert any(
        note.startswith(f"PYO3_CONFIG_FILE={yocto} replaced by one written from")
        for note in plan.notes
    )
    assert yocto.read_text().startswith("implementation=CPython\nversion=3.11\n")


def test_lib_dir_falls_back_to_pyo3_cross_lib_dir(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere" / "_sysconfigdata.py"
    data.parent.mkdir()
    data.write_text("")
    armhf = SysconfigData.of(ARMHF, str(data))
    target = resolve(armhf)
    assert (
        _build._lib_dir(target, armhf, {"PYO3_CROSS_LIB_DIR": "/staging/usr/lib"})
        == "/staging/usr/lib"
    )
    assert _build._lib_dir(target, armhf, {}) == str(data.parent)


def test_settings_reach_the_plan(tmp_path: Path) -> None:
    data = _sysroot(tmp_path)
    plan = _plan(tmp_path, {"sysconfigdata": str(data), "platform-tag": "linux-armv8l"})
    assert plan.target.platform_tag == "linux_armv8l"
    assert isinstance(plan.settings, Settings)
    assert plan.target.sources["platform_tag"] == "-C platform-tag"


def test_custom_target_spec_in_rust_target_path(tmp_path: Path) -> None:
    # Yocto writes JSON target specs to ${WORKDIR}/rust-targets/ and exports RUST_TARGET_PATH.
    specs = tmp_path / "rust-targets"
    specs.mkdir()
    (specs / "armv7-poky-linux-gnueabihf.json").write_text(
        '{"llvm-target": "armv7-unknown-linux-gnueabihf", "arch": "arm", "os": "linux"}'
    )
    (specs / "qemux86-custom.json").write_text('{"llvm-target": "i686-unknown-linux-gnu"}')
    environ = {"RUST_TARGET_PATH": str(specs)}
    assert (
        _build.custom_target_spec("armv7-poky-linux-gnueabihf", environ, tmp_path)
        == "armv7-unknown-linux-gnueabihf"
    )
    assert _build.custom_target_spec("armv7-unknown-linux-gnueabihf", environ, tmp_path) is None
    settings = Settings.from_sources({"target": "qemux86-custom"}, environ, None)
    target = _build.target_for(settings, environ, tmp_path)[0]
    assert target.rust_target == "qemux86-custom"
    assert (target.multiarch, target.platform_tag) == ("i386-linux-gnu", "linux_i686")
    data = _sysroot(tmp_path)
    settings = Settings.from_sources(
        {"target": "armv7-poky-linux-gnueabihf", "sysconfigdata": str(data)}, environ, None
    )
    target = _build.target_for(settings, environ, tmp_path)[0]
    assert (target.rust_target, target.platform_tag) == (
        "armv7-poky-linux-gnueabihf",
        "linux_armv7l",
    )


def test_custom_target_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"target spec nope\.json does not exist"):
        _build.custom_target_spec("nope.json", {}, tmp_path)
    (tmp_path / "bad.json").write_text('{"arch": "arm"}')
    with pytest.raises(ConfigError, match="the target spec has no llvm-target"):
        _build.custom_target_spec("bad.json", {}, tmp_path)


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
    data = _sysroot(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "Cargo.toml").write_text('[package]\nname = "x"\n[dependencies]\npyo3 = "0.23"\n')
    (sub / "Cargo.lock").write_text('version = 4\n[[package]]\nname = "pyo3"\nversion = "0.23.5"\n')
    plan = _plan(tmp_path, {"sysconfigdata": str(data), "build-args": build_args})
    text = _build.write_pyo3_config(plan, tmp_path, {}).read_text()
    # The lock beside the manifest was read (pyo3 0.23 takes maturin's keys), and the feature seen.
    assert "ext_suffix=.cpython-311-arm-linux-gnueabihf.so\n" in text
    assert "abi3=true\n" in text


@pytest.mark.parametrize(
    "build_args", ["-ipython3.11", "--interpreter=python3.11", "-i python3.11 python3.12"]
)
def test_an_interpreter_given_each_way_is_not_doubled(tmp_path: Path, build_args: str) -> None:
    data = _sysroot(tmp_path)
    plan = _plan(tmp_path, {"sysconfigdata": str(data), "build-args": build_args})
    assert _build._maturin_args(plan, editable=False) == [
        "--compatibility",
        "off",
        "--target",
        "armv7-unknown-linux-gnueabihf",
        *build_args.split(),
    ]


def test_no_pyo3_note_for_a_package_without_pyo3(tmp_path: Path) -> None:
    data = _sysroot(tmp_path)
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "tool"\n[dependencies]\nclap = "4"\n')
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "tool"\nversion = "1"\n[tool.maturin]\nbindings = "bin"\n'
    )
    plan = _build.plan(tmp_path, {"sysconfigdata": str(data)}, {})
    _build.write_pyo3_config(plan, tmp_path, {})
    assert not [note for note in plan.notes if "pyo3" in note]
