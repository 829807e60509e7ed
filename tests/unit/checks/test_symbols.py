"""Every undefined symbol resolved as the target's loader would, on real wheels
(tests/helpers/wheelmaker.py) holding the tiny real ELF files of tests/fixtures/symbols/ (made by
its make-fixtures.sh), against sysroots laid out in the test's folder and, where provisioned,
Debian's real armhf sysroot with its own python3.11."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import FIXTURES, CrossToolchain
from repaircases import ARMHF, TargetSpec
from wheelmaker import make_wheel

from maturin_cross.checks import elf, proof, symbols
from maturin_cross.settings.origin import Kind, Origin
from maturin_cross.target import sysconfigdata
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot

SYMBOLS = FIXTURES / "symbols"
CORE = "pkg/_core.cpython-311-arm-linux-gnueabihf.so"
LIBDIR = "/usr/lib/arm-linux-gnueabihf"
PY311 = TargetSpec(
    vars={
        **(ARMHF.vars or {}),
        "VERSION": "3.11",
        "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
    }
).resolve()


def _wheel(
    folder: Path, module: str, tags: tuple[str, ...] = ("cp311-cp311-linux_armv7l",)
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | tuple[bytes, int]] = {
        "pkg/__init__.py": b"",
        CORE: ((SYMBOLS / module).read_bytes(), 0o755),
    }
    return make_wheel(folder, name="pkg", tags=tags, files=files)


def _sysroot(folder: Path, files: dict[str, str]) -> Sysroot:
    """A sysroot holding each fixture (value) at its target path (key)."""
    for target_path, fixture in files.items():
        dest = folder / target_path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SYMBOLS / fixture, dest)
    (folder / "usr" / "lib").mkdir(parents=True, exist_ok=True)
    return Sysroot(folder, "test")


def test_a_c_api_function_the_targets_python_lacks_is_refused(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "in", "needs-3.13.so")
    root = _sysroot(tmp_path / "sysroot", {"/usr/bin/python3.11": "python3.11"})
    checked = proof.prove(wheel, PY311, root)
    assert checked.problems == (
        f"{CORE} uses 'PyObject_GetOptionalAttr', which nothing it loads with defines (looked in "
        "python3.11 (/usr/bin/python3.11)): build against the target's Python (its headers and "
        "sysconfigdata: -C sysconfigdata=... or PYO3_CROSS_LIB_DIR), or use no abi3 feature "
        "newer than it",
    )
    # The same wheel where the target's Python has it (a 3.13 in 3.11's place) passes.
    newer = _sysroot(tmp_path / "newer", {"/usr/bin/python3.11": "python3.13"})
    assert proof.prove(wheel, PY311, newer).problems == ()
    # ... as does a module built against 3.11.
    right = _wheel(tmp_path / "right", "needs-3.11.so")
    checked = proof.prove(right, PY311, root)
    assert (checked.problems, checked.notes) == ((), ())
    (resolution,) = checked.symbols
    assert resolution.bound == {"python3.11 (/usr/bin/python3.11)": ("PyObject_GetAttr",)}


def test_an_unversioned_library_function_the_sysroots_library_lacks_is_refused(
    tmp_path: Path,
) -> None:
    wheel = _wheel(tmp_path / "in", "needs-foo-new.so")
    python = {"/usr/bin/python3.11": "python3.11"}
    old = _sysroot(tmp_path / "old", {**python, f"{LIBDIR}/libfoo.so.1": "libfoo-old.so.1"})
    (problem,) = proof.prove(wheel, PY311, old).problems
    assert problem == (
        f"{CORE} uses 'foo_new', which nothing it loads with defines (looked in python3.11 "
        "(/usr/bin/python3.11), libfoo.so.1): build and link against the sysroot's own "
        "libraries (the one linked against is newer than the target's), or bundle that "
        "library in the wheel"
    )
    new = _sysroot(tmp_path / "new", {**python, f"{LIBDIR}/libfoo.so.1": "libfoo-new.so.1"})
    checked = proof.prove(wheel, PY311, new)
    assert checked.problems == ()
    (resolution,) = checked.symbols
    assert resolution.bound == {
        "python3.11 (/usr/bin/python3.11)": ("PyObject_GetAttr",),
        "libfoo.so.1": ("foo_new",),
    }


def test_a_versioned_reference_binds_only_to_its_version(tmp_path: Path) -> None:
    """The target's libver.so.1 defines FOO_2 (so the version check passes) but has foo only
    at FOO_1: the loader does not bind foo@FOO_2 to it."""
    wheel = _wheel(tmp_path / "in", "needs-foo-at-2.so")
    python = {"/usr/bin/python3.11": "python3.11"}
    old = _sysroot(tmp_path / "old", {**python, f"{LIBDIR}/libver.so.1": "libver-old.so.1"})
    (problem,) = proof.prove(wheel, PY311, old).problems
    assert problem.startswith(f"{CORE} uses 'foo'@'FOO_2', which nothing it loads with defines")
    new = _sysroot(tmp_path / "new", {**python, f"{LIBDIR}/libver.so.1": "libver-new.so.1"})
    assert proof.prove(wheel, PY311, new).problems == ()


def test_a_weak_reference_may_stay_undefined(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "in", "weak.so")
    root = _sysroot(tmp_path / "sysroot", {"/usr/bin/python3.11": "python3.11"})
    checked = proof.prove(wheel, PY311, root)
    assert checked.problems == ()
    assert symbols.Table().weak == ()
    table = _table("weak.so")
    assert (table.weak, [r.name for r in table.undefined]) == (
        ("maybe_there",),
        ["PyObject_GetAttr"],
    )


def test_a_shared_python_is_found_through_its_sysconfigdata(tmp_path: Path) -> None:
    """No executable: the sysconfigdata's Py_ENABLE_SHARED, LIBDIR and LDLIBRARY name
    libpython, which holds the C API."""
    data = SysconfigData.of(
        {
            **(ARMHF.vars or {}),
            "VERSION": "3.11",
            "LDVERSION": "3.11",
            "Py_ENABLE_SHARED": 1,
            "LIBDIR": LIBDIR,
            "INSTSONAME": "libpython3.11.so.1.0",
        },
        "/x/_sysconfigdata.py",
    )
    root = _sysroot(tmp_path / "sysroot", {f"{LIBDIR}/libpython3.11.so.1.0": "python3.11"})
    broken = _wheel(tmp_path / "in", "needs-3.13.so")
    (problem,) = proof.prove(broken, PY311, root, python=data).problems
    assert "(looked in libpython3.11.so.1.0 (/usr/lib/arm-linux-gnueabihf/" in problem
    right = _wheel(tmp_path / "right", "needs-3.11.so")
    assert proof.prove(right, PY311, root, python=data).problems == ()


def test_without_the_targets_python_the_modules_are_not_refused_and_a_note_says_so(
    tmp_path: Path,
) -> None:
    wheel = _wheel(tmp_path / "in", "needs-3.13.so")
    root = _sysroot(tmp_path / "sysroot", {})
    checked = proof.prove(wheel, PY311, root)
    assert checked.problems == ()
    assert checked.notes == (
        "the undefined symbols of the extension modules were not checked: the target's Python "
        f"is not in {root.root} (looked for /usr/bin/python3.11)",
    )
    assert proof.prove(wheel, PY311, None).notes == (proof.NO_SYSROOT,)
    assert "undefined symbols were not checked" in proof.NO_SYSROOT


def test_a_member_whose_library_is_missing_is_refused_once(tmp_path: Path) -> None:
    """The missing library is the cause: linkage says it, the symbols it would define are not
    listed again."""
    wheel = _wheel(tmp_path / "in", "needs-foo-new.so")
    root = _sysroot(tmp_path / "sysroot", {"/usr/bin/python3.11": "python3.11"})
    (problem,) = proof.prove(wheel, PY311, root).problems
    assert problem.startswith(f"{CORE} needs libfoo.so.1, which")


def test_names_from_input_are_quoted() -> None:
    reference = symbols.Reference("evil\x1b[2J", "V\n1")
    assert reference.describe() == "'evil\\x1b[2J'@'V\\n1'"


def test_the_interpreter_is_where_the_sysconfigdata_says() -> None:
    data = SysconfigData.of(
        {"VERSION": "3.13", "EXT_SUFFIX": ".so", "BINDIR": "/opt/py/bin", "LDVERSION": "3.13t"},
        "/x/_sysconfigdata.py",
    )
    interpreter = symbols.interpreter_of(data, PY311.python)
    assert interpreter == symbols.Interpreter(
        "python3.13t", ("/opt/py/bin/python3.13t", "/opt/py/bin/python3.11")
    )
    assert symbols.interpreter_of(None, None) is None


def _table(fixture: str) -> symbols.Table:
    path = SYMBOLS / fixture
    with path.open("rb") as stream:
        return symbols.read(elf.parse(stream, path.stat().st_size))


def test_a_versioned_librarys_table() -> None:
    table = _table("libver-old.so.1")
    assert table.defined["foo"] == (("FOO_1", False),)
    assert table.defines(symbols.Reference("foo", "FOO_1"))
    assert table.defines(symbols.Reference("foo"))
    assert not table.defines(symbols.Reference("foo", "FOO_2"))
    assert _table("needs-foo-at-2.so").undefined == (symbols.Reference("foo", "FOO_2"),)


def test_against_debian_armhf_and_its_own_python(armhf: CrossToolchain, tmp_path: Path) -> None:
    root = Sysroot(armhf.sysroot, "test")
    data = next((armhf.sysroot / "usr/lib/python3.11").glob("_sysconfigdata__*.py"))
    python = sysconfigdata.parse(data, Origin(Kind.COMMAND_LINE, "test"))
    broken = _wheel(tmp_path / "in", "needs-3.13.so")
    (problem,) = proof.prove(broken, PY311, root, python=python).problems
    assert problem.startswith(
        f"{CORE} uses 'PyObject_GetOptionalAttr', which nothing it loads with defines (looked in "
        "python3.11 (/usr/bin/python3.11), libm.so.6, libz.so.1, libexpat.so.1, libc.so.6, "
    )
    right = _wheel(tmp_path / "right", "needs-3.11.so")
    assert proof.prove(right, PY311, root, python=python).problems == ()


def test_a_bundled_library_is_searched_where_the_module_finds_it(tmp_path: Path) -> None:
    """tests/fixtures/linkage/pkg: a module whose call is defined by the library it bundles
    (found through RUNPATH $ORIGIN/../pkg.libs)."""
    pkg = FIXTURES / "linkage" / "pkg"
    bundled = "pkg.libs/libbundled-1a2b3c4d.so.1"
    (tmp_path / "in").mkdir()
    wheel = make_wheel(
        tmp_path / "in",
        name="pkg",
        tags=("cp311-cp311-linux_armv7l",),
        files={
            "pkg/__init__.py": b"",
            CORE: ((pkg / CORE).read_bytes(), 0o755),
            bundled: ((pkg / bundled).read_bytes(), 0o755),
        },
    )
    root = _sysroot(tmp_path / "sysroot", {"/usr/bin/python3.11": "python3.11"})
    checked = proof.prove(wheel, PY311, root)
    assert (checked.problems, checked.notes) == ((), ())
    found = {r.member: r for r in checked.symbols}
    assert found[CORE].bound == {f"wheel:{bundled}": ("bundled",)}
    assert found[CORE].looked == ("python3.11 (/usr/bin/python3.11)", f"wheel:{bundled}")
    assert found[bundled].unresolved == ()
