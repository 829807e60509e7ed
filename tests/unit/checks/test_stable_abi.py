"""abi3 wheels against the Stable ABI of their tag's version, on real wheels holding the tiny
real modules of tests/fixtures/symbols/ (its make-fixtures.sh), and the shipped data."""

from __future__ import annotations

from pathlib import Path

from harness import FIXTURES
from packaging.tags import Tag
from repaircases import ARMHF
from wheelmaker import make_wheel

from maturin_cross.checks import proof, stable_abi

MODULE = "pkg/_core.abi3.so"


def _wheel(folder: Path, fixture: str, tag: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = (FIXTURES / "symbols" / fixture).read_bytes()
    files: dict[str, bytes | tuple[bytes, int]] = {"pkg/__init__.py": b"", MODULE: (data, 0o755)}
    return make_wheel(folder, name="pkg", tags=(tag,), files=files)


def test_a_call_newer_than_the_tags_version_is_refused(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "in", "abi3-needs-3.10.so", "cp38-abi3-linux_armv7l")
    checked = proof.prove(wheel, ARMHF.resolve(), None)
    assert checked.problems == (
        f"{MODULE} uses 'PyUnicode_AsUTF8AndSize', added to the Stable ABI in 3.10, but its tag "
        "cp38-abi3 promises the Stable ABI of 3.8: raise the abi3 floor to 3.10 (pyo3's "
        "abi3-py310 feature) or do without that call",
    )
    # The same module under the tag whose version has it passes.
    right = _wheel(tmp_path / "right", "abi3-needs-3.10.so", "cp310-abi3-linux_armv7l")
    assert proof.prove(right, ARMHF.resolve(), None).problems == ()


def test_a_call_outside_the_stable_abi_is_refused(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "in", "abi3-private.so", "cp311-abi3-linux_armv7l")
    (problem,) = proof.prove(wheel, ARMHF.resolve(), None).problems
    assert problem == (
        f"{MODULE} uses '_PyObject_GetDictPtr', which is not in the Stable ABI (its tag "
        "cp311-abi3 promises the Stable ABI of 3.11): build it without abi3 (a wheel for one "
        "Python version), or do without that call"
    )


def test_a_wheel_that_is_not_abi3_is_not_held_to_it(tmp_path: Path) -> None:
    names = ["_PyObject_GetDictPtr"]
    assert stable_abi.floor([Tag("cp311", "cp311", "linux_armv7l")]) is None
    assert stable_abi.check_wheel({}, [Tag("cp311", "cp311", "linux_armv7l")]) == []
    assert stable_abi.check("m.so", names, (3, 11), "cp311-abi3") != []


def test_the_floor_is_the_oldest_version_the_tags_promise() -> None:
    tags = [Tag("cp39", "abi3", "linux_armv7l"), Tag("cp38", "abi3", "linux_armv7l")]
    assert stable_abi.floor(tags) == ((3, 8), "cp38-abi3")


def test_windows_only_and_debug_only_symbols_are_not_linuxs() -> None:
    (line,) = stable_abi.check("m.so", ["PyErr_SetFromWindowsErr"], (3, 12), "cp312-abi3")
    assert "which is in the Stable ABI only on Windows" in line
    assert stable_abi.check("m.so", ["PyThread_get_thread_native_id"], (3, 8), "cp38-abi3") == []


def test_the_data_names_its_source_and_holds_what_pyo3_calls() -> None:
    data = stable_abi.load()
    assert data.source.startswith("abi3info ")
    assert data.symbols["PyObject_GetAttr"].added == (3, 2)
    assert data.symbols["PyObject_GetOptionalAttr"].added == (3, 13)
    assert data.symbols["_Py_NoneStruct"].added == (3, 2)
