"""The pyo3 a crate locks against the target's Python: the fact table, and the one line said
before a build pyo3 cannot make."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import FIXTURES

from maturin_cross.buildenv import pyo3_setup, pyo3_support
from maturin_cross.errors import ConfigError
from maturin_cross.pipeline import planning
from maturin_cross.target.resolve import PythonABI

REAL = FIXTURES / "build-details"


@pytest.mark.parametrize(
    ("pyo3", "newest"),
    [
        ((0, 14, 5), None),
        ((0, 15, 0), (3, 10)),
        ((0, 17, 3), (3, 11)),
        ((0, 20, 3), (3, 12)),
        ((0, 21, 2), (3, 12)),
        ((0, 22, 6), (3, 13)),
        ((0, 23, 5), (3, 13)),
        ((0, 24, 2), (3, 13)),
        ((0, 25, 0), (3, 14)),
        ((0, 28, 2), (3, 14)),
        ((0, 29, 3), (3, 15)),
    ],
)
def test_newest_python_of_each_pyo3(pyo3: tuple[int, ...], newest: tuple[int, int]) -> None:
    assert pyo3_support.newest_python(pyo3) == newest


def test_the_table_reads_forward() -> None:
    assert pyo3_support.first_supporting((3, 14)) == (0, 25, 0)
    assert pyo3_support.first_supporting((3, 11)) == (0, 17, 0)
    assert pyo3_support.first_supporting((3, 16)) is None
    pairs = [since for since, _ in pyo3_support.NEWEST_PYTHON]
    assert pairs == sorted(pairs)


def _says(
    pyo3: tuple[int, ...],
    python: tuple[int, int],
    flags: str = "",
    *,
    abi3: bool = False,
    forward: bool = False,
) -> str | None:
    return pyo3_support.too_old(
        pyo3,
        PythonABI(python, flags),
        abi3=abi3,
        forward=forward,
        lock="crate/Cargo.lock",
        target_file="sysroot/_sysconfigdata__linux_aarch64-linux-gnu.py",
    )


def test_a_pyo3_too_old_is_said_in_one_line_with_the_ways_out() -> None:
    line = _says((0, 22, 6), (3, 14))
    assert line == (
        "crate/Cargo.lock locks pyo3 0.22.6, which supports CPython up to 3.13, but the target "
        "is CPython 3.14 (sysroot/_sysconfigdata__linux_aarch64-linux-gnu.py); update pyo3 to "
        "0.25.0 or newer (cargo update -p pyo3, raising the requirement in Cargo.toml if it "
        "holds it back), or build for the stable ABI (a pyo3 abi3-py3X feature) with "
        "PYO3_USE_ABI3_FORWARD_COMPATIBILITY=1"
    )
    abi3 = _says((0, 23, 5), (3, 15), abi3=True)
    assert abi3 is not None and "0.29.0 or newer" in abi3
    assert abi3.endswith(
        "or set PYO3_USE_ABI3_FORWARD_COMPATIBILITY=1 to build the crate's abi3 module for "
        "CPython 3.15"
    )
    unknown = _says((0, 29, 3), (3, 16))
    assert unknown is not None and "no pyo3 known here supports it yet" in unknown


@pytest.mark.parametrize(
    ("pyo3", "python", "flags", "abi3", "forward"),
    [
        ((0, 23, 5), (3, 13), "", False, False),
        ((0, 29, 3), (3, 15), "", False, False),
        ((0, 25, 0), (3, 14), "t", False, False),
        ((0, 22, 6), (3, 14), "", False, True),  # the user opted in: pyo3 builds abi3
        ((0, 26, 0), (3, 15), "", True, False),  # pyo3 falls back to its newest abi3 itself
        ((0, 14, 5), (3, 11), "", False, False),  # older than the table: not told here
    ],
)
def test_what_pyo3_can_build_is_not_stopped(
    pyo3: tuple[int, ...], python: tuple[int, int], flags: str, abi3: bool, forward: bool
) -> None:
    assert _says(pyo3, python, flags, abi3=abi3, forward=forward) is None


def test_free_threaded() -> None:
    before = _says((0, 22, 6), (3, 13), "t")
    assert before is not None and "builds for no free-threaded Python" in before
    assert "update pyo3 to 0.23.0 or newer" in before
    dropped = _says((0, 29, 3), (3, 13), "t")
    assert dropped is not None and "dropped 3.13t" in dropped
    # No stable ABI to fall back on, whatever the environment says.
    newer = _says((0, 23, 5), (3, 14), "t", forward=True, abi3=True)
    assert newer is not None and "CPython 3.14t" in newer and "no stable ABI" in newer


def _crate(folder: Path, pyo3: str, features: str = "") -> None:
    (folder / "Cargo.toml").write_text(
        f'[package]\nname = "x"\n[dependencies]\npyo3 = {{ version = "{pyo3}"{features} }}\n'
    )
    (folder / "Cargo.lock").write_text(
        f'version = 4\n[[package]]\nname = "pyo3"\nversion = "{pyo3}"\n'
    )


def _setup(folder: Path, target_file: Path, environ: dict[str, str]) -> pyo3_setup.PyO3Setup:
    build = planning.plan(folder, {"sysconfigdata": str(target_file)}, {})
    assert build.sysconfigdata is not None
    return pyo3_setup.setup(
        build.target,
        build.sysconfigdata,
        build.project,
        build.settings.maturin,
        folder / "out",
        environ,
    )


def test_the_setup_stops_before_the_build_on_debians_314(tmp_path: Path) -> None:
    data = REAL / "debian-sid-arm64-3.14" / "_sysconfigdata__linux_aarch64-linux-gnu.py"
    _crate(tmp_path, "0.23.5")
    with pytest.raises(ConfigError) as info:
        _setup(tmp_path, data, {})
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'Cargo.lock'} locks pyo3 0.23.5, which supports ")
    assert f"CPython 3.14 ({data})" in message and "\n" not in message
    assert not (tmp_path / "out").exists()  # nothing written
    # The ways out work: opted in, or a newer pyo3.
    assert _setup(tmp_path, data, {"PYO3_USE_ABI3_FORWARD_COMPATIBILITY": "1"}).path.is_file()
    _crate(tmp_path, "0.25.1")
    assert _setup(tmp_path, data, {}).path.is_file()


def test_a_free_threaded_target_through_the_setup(tmp_path: Path) -> None:
    folder = tmp_path / "ft"
    shutil.copytree(REAL / "freethreaded-314t", folder)
    data = folder / "_sysconfigdata_t_linux_aarch64-linux-gnu.py"
    _crate(tmp_path, "0.29.3")
    setup = _setup(tmp_path, data, {})
    text = setup.path.read_text()
    assert "build_flags=Py_GIL_DISABLED\n" in text and "abiflags=t\n" in text
    assert "ext_suffix=.cpython-314t-aarch64-linux-gnu.so\n" in text
    assert setup.env["PYO3_CROSS_PYTHON_VERSION"] == "3.14t"
    _crate(tmp_path, "0.23.5")
    with pytest.raises(ConfigError, match=r"no stable ABI to fall back on"):
        _setup(tmp_path, data, {"PYO3_USE_ABI3_FORWARD_COMPATIBILITY": "1"})
