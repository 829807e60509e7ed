from __future__ import annotations

from pathlib import Path

import pytest
from harness import EXAMPLES

from maturin_cross.buildenv import pyo3_config
from maturin_cross.errors import ConfigError
from maturin_cross.target.resolve import Target, resolve
from maturin_cross.target.sysconfigdata import SysconfigData

ARMHF_VARS: dict[str, object] = {
    "VERSION": "3.12",
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-312-arm-linux-gnueabihf.so",
    "SOABI": "cpython-312-arm-linux-gnueabihf",
    "MULTIARCH": "arm-linux-gnueabihf",
    "HOST_GNU_TYPE": "arm-poky-linux-gnueabi",
    "CC": "arm-poky-linux-gnueabi-gcc -march=armv7ve -mthumb -mfpu=neon -mfloat-abi=hard",
    "Py_ENABLE_SHARED": 1,
    "LDVERSION": "3.12",
    "SIZEOF_VOID_P": 4,
    "Py_DEBUG": 0,
}


def _data(vars: dict[str, object]) -> SysconfigData:
    return SysconfigData.of(vars, "/sysroot/_sysconfigdata.py")


def _target(vars: dict[str, object]) -> Target:
    return resolve(_data(vars))


def test_armhf_config_with_modern_pyo3() -> None:
    values = pyo3_config.config_values(
        _target(ARMHF_VARS), _data(ARMHF_VARS), lib_dir="/sysroot/usr/lib", pyo3_version=(0, 23, 5)
    )
    assert pyo3_config.render(values) == (
        "implementation=CPython\n"
        "version=3.12\n"
        "shared=true\n"
        "abi3=false\n"
        "lib_name=python3.12\n"
        "lib_dir=/sysroot/usr/lib\n"
        "pointer_width=32\n"
        "build_flags=\n"
        "suppress_build_script_link_lines=false\n"
        "ext_suffix=.cpython-312-arm-linux-gnueabihf.so\n"
        "abiflags=\n"
        "abi_tag=312\n"
    )


@pytest.mark.parametrize(
    ("version", "has_ext_suffix", "has_abi3"),
    [
        (None, False, True),
        ((0, 17, 3), False, True),
        ((0, 18, 0), False, True),
        ((0, 18, 1), True, True),
        ((0, 28, 3), True, True),
        ((0, 29, 0), True, False),
    ],
)
def test_keys_follow_the_locked_pyo3(
    version: tuple[int, ...] | None, has_ext_suffix: bool, has_abi3: bool
) -> None:
    values = pyo3_config.config_values(
        _target(ARMHF_VARS), _data(ARMHF_VARS), lib_dir=None, pyo3_version=version
    )
    assert ("ext_suffix" in values) is has_ext_suffix
    assert ("abi_tag" in values) is has_ext_suffix
    assert ("abi3" in values) is has_abi3
    assert "lib_dir" not in values


def test_free_threaded_build_flags_and_abi() -> None:
    vars = {
        **ARMHF_VARS,
        "VERSION": "3.13",
        "ABIFLAGS": "t",
        "Py_GIL_DISABLED": 1,
        "EXT_SUFFIX": ".cpython-313t-arm-linux-gnueabihf.so",
        "LDVERSION": "3.13t",
    }
    values = pyo3_config.config_values(
        _target(vars), _data(vars), lib_dir=None, pyo3_version=(0, 23, 0)
    )
    assert values["build_flags"] == "Py_GIL_DISABLED"
    assert values["abiflags"] == "t"
    assert values["abi_tag"] == "313t"
    assert values["lib_name"] == "python3.13t"


def test_an_existing_config_keeps_its_other_keys_and_loses_the_wrong_ones() -> None:
    # Yocto's python_pyo3.bbclass file: no ext_suffix, its own lib_dir.
    yocto = pyo3_config.parse_config(
        "implementation=CPython\nversion=3.12\nshared=true\nabi3=false\nlib_name=python3.12\n"
        "lib_dir=/work/recipe-sysroot/usr/lib\npointer_width=32\nbuild_flags=WITH_THREAD\n"
        "suppress_build_script_link_lines=false\nextra_build_script_line=cargo:rustc-cfg=x\n",
        "pyo3.config",
    )
    values = pyo3_config.config_values(
        _target(ARMHF_VARS), _data(ARMHF_VARS), lib_dir=None, pyo3_version=(0, 23, 0), base=yocto
    )
    assert values["lib_dir"] == "/work/recipe-sysroot/usr/lib"
    assert values["extra_build_script_line"] == "cargo:rustc-cfg=x"
    assert values["build_flags"] == ""
    assert values["ext_suffix"] == ".cpython-312-arm-linux-gnueabihf.so"


def test_parse_config_refuses_lines_without_equals() -> None:
    with pytest.raises(ConfigError, match=r"^pyo3.config:2: expected key=value, got 'oops'"):
        pyo3_config.parse_config("version=3.12\noops\n", "pyo3.config")


def test_locked_version_prefers_build_config(tmp_path: Path) -> None:
    lock = (
        'version = 4\n\n[[package]]\nname = "pyo3"\nversion = "0.23.5"\n\n'
        '[[package]]\nname = "pyo3-build-config"\nversion = "0.23.4"\n'
    )
    assert pyo3_config.locked_pyo3_version(lock, "Cargo.lock") == (0, 23, 4)
    assert (
        pyo3_config.locked_pyo3_version(
            'version = 4\n[[package]]\nname = "x"\nversion = "1.0.0"\n', "L"
        )
        is None
    )
    with pytest.raises(ConfigError, match=r"Cargo\.lock: not valid TOML"):
        pyo3_config.locked_pyo3_version("[[package]\n", "Cargo.lock")
    nested = tmp_path / "crates" / "py"
    nested.mkdir(parents=True)
    (tmp_path / "Cargo.lock").write_text(lock)
    assert pyo3_config.find_cargo_lock(nested) == tmp_path / "Cargo.lock"


def test_the_example_crate_lock_is_read() -> None:
    root = EXAMPLES / "rpds"
    lock = pyo3_config.find_cargo_lock(root)
    assert lock == root / "Cargo.lock"
    version = pyo3_config.locked_pyo3_version(lock.read_text(), str(lock))
    assert version is not None and version >= (0, 18, 1)


@pytest.mark.parametrize(
    ("cargo_toml", "features", "expected"),
    [
        ('[dependencies]\npyo3 = { version = "0.23", features = ["abi3-py38"] }\n', [], True),
        (
            '[dependencies]\npyo3 = { version = "0.23", features = ["extension-module"] }\n',
            [],
            False,
        ),
        ('[dependencies]\npyo3 = "0.23"\n', ["pyo3/abi3-py39"], True),
        ('[dependencies]\npyo3 = "0.23"\n', [], False),
        ("not toml [", [], False),
    ],
)
def test_uses_abi3(cargo_toml: str, features: list[str], expected: bool) -> None:
    assert pyo3_config.uses_abi3(pyo3_config.read_manifest(cargo_toml), features) is expected


@pytest.mark.parametrize(
    ("bindings", "cargo_toml", "locked", "uses"),
    [
        ("bin", '[dependencies]\npyo3 = "0.23"\n', None, False),
        ("cffi", None, None, False),
        (None, '[package]\nname = "x"\n[dependencies]\nclap = "4"\n', None, False),
        (None, '[dependencies]\npyo3 = { version = "0.17" }\n', None, True),
        (None, '[dependencies]\npyo3-ffi = "0.23"\n', None, True),
        (None, '[package]\nname = "x"\n', (0, 17, 3), True),
        (None, None, None, True),
        ("pyo3", "not toml [", None, True),
    ],
)
def test_uses_pyo3(
    bindings: str | None, cargo_toml: str | None, locked: tuple[int, ...] | None, uses: bool
) -> None:
    manifest = pyo3_config.read_manifest(cargo_toml) if cargo_toml is not None else None
    assert pyo3_config.uses_pyo3(bindings, manifest, locked) is uses
