"""sysconfigdata.py: reading a target's _sysconfigdata_*.py without running it, and finding it
the way Yocto, Buildroot, crossenv and PyO3 name it (fixtures in tests/fixtures/sysconfigdata)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import harness
import pytest
from harness import clean_environ, run_cli
from origins import said, sourced

from maturin_cross.errors import ConfigError
from maturin_cross.settings.origin import Kind, Origin, Sourced
from maturin_cross.target import sysconfigdata
from maturin_cross.target.sysconfigdata import SysconfigData, parse


def locate(
    explicit: tuple[str, str] | Sourced | None,
    environ: Mapping[str, str],
    cwd: Path,
    **more: Any,
) -> tuple[Path, str] | None:
    """:func:`sysconfigdata.locate`, with the origin of what it found as people are shown it; a
    setting named by its label alone counts as a config setting."""
    given = (
        sourced(*explicit)
        if isinstance(explicit, tuple) and not isinstance(explicit, Sourced)
        else explicit
    )
    found = sysconfigdata.locate(given, environ, cwd, **more)
    return None if found is None else (found[0], str(found[1]))


FIXTURES = harness.FIXTURES / "sysconfigdata"
# What the hostile fixtures would create if anything ever executed them.
MARKER = Path("/tmp/PWNED-maturin-cross-sysconfigdata")

QEMUARM = FIXTURES / "yocto-qemuarm" / "_sysconfigdata__linux_arm-linux-gnueabihf.py"
QEMUARM_COPY = FIXTURES / "yocto-qemuarm" / "python-sysconfigdata" / "_sysconfigdata.py"
QEMUARM64 = FIXTURES / "yocto-qemuarm64" / "_sysconfigdata__linux_aarch64-linux-gnu.py"
DEBIAN_ARMHF = FIXTURES / "debian-armhf" / "_sysconfigdata__arm-linux-gnueabihf.py"
DEBIAN_ARMHF_LINK = FIXTURES / "debian-armhf" / "_sysconfigdata__linux_arm-linux-gnueabihf.py"
FREETHREADED = FIXTURES / "freethreaded-313t" / "_sysconfigdata_t_linux_aarch64-linux-gnu.py"


@pytest.fixture
def no_marker() -> Iterator[None]:
    """Start without the marker; fail if the test created it."""
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), f"{MARKER} exists: a target file was executed"


def one_line(err: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------------------------------
# parse: every good fixture is a literal dict with the keys a target needs


GOOD = sorted(
    path
    for path in FIXTURES.rglob("_sysconfigdata*.py")
    if not path.parent.name.startswith(("bad-", "pypy-"))
)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_parse_good_fixture(path: Path) -> None:
    data = parse(path, said("test"))
    assert data.path == path
    assert str(data.origin) == "test"
    for key in ("EXT_SUFFIX", "VERSION", "SOABI", "MULTIARCH", "HOST_GNU_TYPE", "CC", "CFLAGS"):
        assert data.get_str(key), key
    assert data.get_int("SIZEOF_VOID_P") in (4, 8)
    assert data.get_int("Py_ENABLE_SHARED") == 1
    assert data.get_int("Py_DEBUG") == 0
    assert data.get_str("MACHDEP") == "linux"
    assert data.get_str("EXT_SUFFIX") == f".{data.get_str('SOABI')}.so"
    version = (data.get_str("VERSION") or "").replace(".", "")
    soabi = f"cpython-{version}{data.get_str('ABIFLAGS')}-{data.get_str('MULTIARCH')}"
    assert data.get_str("SOABI") == soabi


def test_yocto_pprint_strings_are_joined() -> None:
    # reformat_sysconfig.py's pprint(width=1) splits CC over 14 lines of implicitly
    # concatenated literals; they read back as the one string the compiler was called with.
    text = QEMUARM.read_text()
    assert "'-march=armv7ve '\n" in text
    data = parse(QEMUARM, said("test"))
    cc = data.get_str("CC")
    assert cc is not None
    assert cc.startswith(
        "arm-poky-linux-gnueabi-gcc  -march=armv7ve -mthumb -mfpu=neon -mfloat-abi=hard "
    )
    assert cc.endswith(
        " --sysroot=/build/tmp/work/cortexa15t2hf-neon-poky-linux-gnueabi/python3/3.12.4/recipe-sysroot"
    )


def test_yocto_layouts_read_the_same() -> None:
    # pprint(width=1) and pprint(width=sys.maxsize) of the same dict; the sysroot's copy.
    multi = parse(
        FIXTURES / "yocto-qemux86-64" / "_sysconfigdata__linux_x86_64-linux-gnu.py", said("a")
    )
    one = parse(
        FIXTURES / "yocto-oneline-qemux86-64" / "_sysconfigdata__linux_x86_64-linux-gnu.py",
        said("b"),
    )
    assert len(one.path.read_text().strip().splitlines()) == 1
    assert one.vars == multi.vars
    assert parse(QEMUARM_COPY, said("a")).vars == parse(QEMUARM, said("b")).vars


def test_real_debian_file() -> None:
    data = parse(DEBIAN_ARMHF, said("test"))
    assert len(data.vars) == 972
    assert data.get_str("HOST_GNU_TYPE") == "armv8l-unknown-linux-gnueabihf"
    assert data.get_str("LIBDIR") == "/usr/lib/arm-linux-gnueabihf"
    assert parse(DEBIAN_ARMHF_LINK, said("test")).vars == data.vars


def test_free_threaded_fixture() -> None:
    data = parse(FREETHREADED, said("test"))
    assert (data.get_str("ABIFLAGS"), data.get_int("Py_GIL_DISABLED")) == ("t", 1)
    assert data.get_str("LDVERSION") == "3.13t"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4, 4), (True, 1), (False, 0), ("8", 8), (" 8 ", 8), ("yes", None), (None, None), (4.0, None)],
)
def test_get_int(value: object, expected: int | None) -> None:
    assert SysconfigData(Path("x"), said("test"), {"K": value}).get_int("K") == expected


def test_get_str() -> None:
    data = SysconfigData(Path("x"), said("test"), {"S": "v", "I": 1})
    assert (data.get_str("S"), data.get_str("I"), data.get_str("missing")) == ("v", None, None)


# ------------------------------------------------------------------------------------------------
# parse: what is refused, and that nothing is executed


@pytest.mark.usefixtures("no_marker")
def test_code_around_a_literal_is_refused_and_never_run() -> None:
    # CPython runs that code when it imports the file, and code can change build_time_vars:
    # reading the literal alone could be another reading than the target's.
    path = FIXTURES / "bad-code-before-literal" / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    assert 'os.system("touch /tmp/PWNED-maturin-cross-sysconfigdata")' in path.read_text()
    with pytest.raises(ConfigError) as info:
        parse(path, said("test"))
    assert one_line(info).startswith(f"{path}:2: top-level code (an import) beside build_time_vars")


BAD = [
    # fixture, line named in the message (None: none), what the message says
    (
        "bad-call-in-dict/_sysconfigdata__linux_x86_64-linux-gnu.py",
        4,
        "build_time_vars is not a plain literal, and maturin-cross never executes a target's files; regenerate it as a literal dict (e.g. with pprint) or pass another file",
    ),
    (
        "bad-dict-call/_sysconfigdata__linux_x86_64-linux-gnu.py",
        4,
        "build_time_vars is not a plain literal, and maturin-cross never executes a target's files; regenerate it as a literal dict (e.g. with pprint) or pass another file",
    ),
    (
        "pypy-like/_sysconfigdata.py",
        8,
        "build_time_vars is not a plain literal, and maturin-cross never executes a target's files; regenerate it as a literal dict (e.g. with pprint) or pass another file",
    ),
    (
        "bad-syntax/_sysconfigdata__linux_aarch64-linux-gnu.py",
        "any",
        "not a Python file that can be parsed (SyntaxError: ",
    ),
    (
        "bad-no-ext-suffix/_sysconfigdata__linux_aarch64-linux-gnu.py",
        None,
        "build_time_vars has no EXT_SUFFIX (from -C sysconfigdata); a CPython sysconfigdata always has them: is this the right file?",
    ),
]


@pytest.mark.usefixtures("no_marker")
@pytest.mark.parametrize(
    ("fixture", "line", "says"), BAD, ids=[row[0].split("/")[0] for row in BAD]
)
def test_bad_file(fixture: str, line: int | str | None, says: str) -> None:
    path = FIXTURES / fixture
    with pytest.raises(ConfigError) as info:
        parse(path, said("-C sysconfigdata"))
    message = one_line(info)
    if line is None:
        assert message.startswith(f"{path}: ")
    elif line == "any":
        assert re.match(rf"{re.escape(str(path))}:\d+: ", message)
    else:
        assert message.startswith(f"{path}:{line}: ")
    assert says in message


@pytest.mark.usefixtures("no_marker")
@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "import sys\nVERSION = '3.12'\n",
            "no top-level 'build_time_vars = {...}' assignment, so not a CPython sysconfigdata "
            "file (from test); pass the target's own _sysconfigdata_*.py, as its Python "
            "installed it",
        ),
        (
            "build_time_vars = ['EXT_SUFFIX', 'VERSION']\n",
            "build_time_vars is a list, not a dict of names (from test); pass the target's own "
            "_sysconfigdata_*.py, as its Python installed it",
        ),
        (
            "build_time_vars = {1: 'x'}\n",
            "build_time_vars is not a dict of names: its key 1 is not a string (from test); pass "
            "the target's own _sysconfigdata_*.py, as its Python installed it",
        ),
        (
            "build_time_vars = {'VERSION': 3.12, 'EXT_SUFFIX': '.so'}\n",
            "build_time_vars has no VERSION",
        ),
        ("build_time_vars = {}\n", "build_time_vars has no VERSION or EXT_SUFFIX"),
        (
            "build_time_vars = {'VERSION': '3.12', **other}\n",
            "build_time_vars is not a plain literal",
        ),
        ("build_time_vars = {'VERSION': f'{3}.12'}\n", "build_time_vars is not a plain literal"),
        (
            "build_time_vars = {'VERSION': '3.12', 'EXT_SUFFIX': '.so' + SUFFIX}\n",
            "build_time_vars is not a plain literal",
        ),
    ],
    ids=[
        "no-assignment",
        "list",
        "int-keys",
        "version-not-text",
        "empty",
        "unpacking",
        "f-string",
        "expression",
    ],
)
def test_bad_text(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        parse(path, said("test"))
    message = one_line(info)
    assert message.startswith(str(path))
    assert says in message


def test_annotated_assignment_is_read(tmp_path: Path) -> None:
    path = tmp_path / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    path.write_text(
        "build_time_vars: dict = {'VERSION': '3.12', 'EXT_SUFFIX': '.cpython-312-x86_64-linux-gnu.so'}\n"
    )
    assert parse(path, said("test")).get_str("VERSION") == "3.12"


def test_binary_file(tmp_path: Path) -> None:
    # A .pyc passed by mistake: null bytes, not Python source.
    path = tmp_path / "_sysconfigdata__linux_x86_64-linux-gnu.cpython-312.pyc"
    path.write_bytes(b"\xcb\r\r\n\x00\x00\x00\x00" + bytes(range(256)))
    with pytest.raises(ConfigError) as info:
        parse(path, said("-C sysconfigdata"))
    message = one_line(info)
    assert message.startswith(str(path))
    assert "not a Python file that can be parsed" in message
    assert "is -C sysconfigdata pointing at the target's _sysconfigdata_*.py?" in message


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.py"
    with pytest.raises(ConfigError) as info:
        parse(path, said("MATURIN_CROSS_SYSCONFIGDATA"))
    assert one_line(info) == (
        f"cannot read sysconfigdata {path} (from MATURIN_CROSS_SYSCONFIGDATA): does not exist; "
        f"point MATURIN_CROSS_SYSCONFIGDATA at the target's _sysconfigdata_*.py"
    )


def _clean_environ(tmp_path: Path) -> dict[str, str]:
    return clean_environ(HOME=str(tmp_path))


def _inspect(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(
        ["inspect", "--sysconfigdata", path, "--json"],
        cwd=tmp_path,
        env=_clean_environ(tmp_path),
        timeout=120,
    )


@pytest.mark.usefixtures("no_marker")
def test_cli_refuses_code_in_one_line(tmp_path: Path) -> None:
    path = FIXTURES / "bad-call-in-dict" / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    done = _inspect(path, tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        f"maturin-cross: error: {path}:4: build_time_vars is not a plain literal"
    )


@pytest.mark.usefixtures("no_marker")
def test_cli_refuses_code_beside_the_literal_and_runs_nothing(tmp_path: Path) -> None:
    path = FIXTURES / "bad-code-before-literal" / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    done = _inspect(path, tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"maturin-cross: error: {path}:2: top-level code (an import)")


# ------------------------------------------------------------------------------------------------
# locate: an explicit setting


def test_explicit_file(tmp_path: Path) -> None:
    assert locate((str(QEMUARM), "-C sysconfigdata"), {}, tmp_path) == (QEMUARM, "-C sysconfigdata")


def test_explicit_relative_file_is_relative_to_the_project() -> None:
    relative = "yocto-qemuarm/_sysconfigdata__linux_arm-linux-gnueabihf.py"
    assert locate((relative, "tool.maturin-cross.sysconfigdata"), {}, FIXTURES) == (
        QEMUARM,
        "tool.maturin-cross.sysconfigdata",
    )


def test_explicit_folder() -> None:
    # python-sysconfigdata/ (Yocto's copy) is not searched: one candidate.
    found = locate((str(FIXTURES / "yocto-qemuarm"), "-C sysconfigdata"), {}, FIXTURES)
    assert found == (QEMUARM, "-C sysconfigdata")


def test_explicit_folder_with_a_symlinked_duplicate() -> None:
    found = locate((str(FIXTURES / "debian-armhf"), "-C sysconfigdata"), {}, FIXTURES)
    assert found is not None
    assert found[0].resolve() == DEBIAN_ARMHF.resolve()


def test_explicit_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        locate(("sysroot/usr/lib/python3.12/_sysconfigdata.py", "-C sysconfigdata"), {}, tmp_path)
    assert one_line(info) == (
        "sysconfigdata sysroot/usr/lib/python3.12/_sysconfigdata.py (from -C sysconfigdata) does "
        "not exist; point it at the target's _sysconfigdata_*.py (in the sysroot's usr/lib/python3.X/)"
    )


def test_explicit_folder_without_candidates(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    with pytest.raises(ConfigError) as info:
        locate((str(tmp_path / "usr"), "MATURIN_CROSS_SYSCONFIGDATA"), {}, tmp_path)
    assert one_line(info) == (
        f"no _sysconfigdata_*.py under {tmp_path / 'usr'} (from MATURIN_CROSS_SYSCONFIGDATA); "
        f"point it at the target's library directory or pass the file with -C sysconfigdata=PATH"
    )


def test_explicit_setting_wins_over_the_environment(tmp_path: Path) -> None:
    environ = {
        "_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata",
        "PYTHONPATH": str(QEMUARM_COPY.parent),
        "PYO3_CROSS_LIB_DIR": str(FIXTURES / "yocto-qemuarm64"),
    }
    assert locate((str(FREETHREADED), "-C sysconfigdata"), environ, tmp_path) == (
        FREETHREADED,
        "-C sysconfigdata",
    )


# ------------------------------------------------------------------------------------------------
# locate: the environment of Yocto, Buildroot and PyO3


def _put(path: Path, fixture: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture, path)
    return path


@pytest.fixture
def yocto_sysroot(tmp_path: Path) -> Path:
    """A recipe sysroot's usr/lib as python3 populates it: the sysconfigdata and its copy."""
    lib = tmp_path / "recipe-sysroot" / "usr" / "lib"
    _put(lib / "python3.12" / QEMUARM.name, QEMUARM)
    _put(lib / "python-sysconfigdata" / "_sysconfigdata.py", QEMUARM_COPY)
    (lib / "python3.12" / "site-packages").mkdir()
    return lib


def test_yocto(yocto_sysroot: Path, tmp_path: Path) -> None:
    # python3targetconfig.bbclass + python_pyo3.bbclass, as a do_compile sees them.
    environ = {
        "_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata",
        "_PYTHON_PROJECT_BASE": str(tmp_path / "build"),
        "PYTHONPATH": f"{yocto_sysroot / 'python-sysconfigdata'}{os.pathsep}/nonexistent",
        "PYO3_CROSS": "1",
        "PYO3_CROSS_LIB_DIR": str(yocto_sysroot),
        "PYO3_CROSS_PYTHON_VERSION": "3.12",
    }
    assert locate(None, environ, tmp_path) == (
        yocto_sysroot / "python-sysconfigdata" / "_sysconfigdata.py",
        "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH",
    )


def test_yocto_without_python3targetconfig(yocto_sysroot: Path, tmp_path: Path) -> None:
    # python_pyo3.bbclass alone: PYO3_CROSS_LIB_DIR; the python-sysconfigdata copy is not searched.
    environ = {"PYO3_CROSS_LIB_DIR": str(yocto_sysroot), "PYO3_CROSS_PYTHON_VERSION": "3.12"}
    assert locate(None, environ, tmp_path) == (
        yocto_sysroot / "python3.12" / QEMUARM.name,
        "PYO3_CROSS_LIB_DIR",
    )


def test_buildroot(tmp_path: Path) -> None:
    staging = tmp_path / "staging" / "usr" / "lib"
    data = _put(staging / "python3.12" / QEMUARM64.name, QEMUARM64)
    environ = {
        "_PYTHON_HOST_PLATFORM": "linux-aarch64",
        "_PYTHON_SYSCONFIGDATA_NAME": data.stem,
        "PYTHONPATH": str(staging / "python3.12"),
        "PYO3_CROSS_LIB_DIR": str(staging / "python3.12"),
    }
    assert locate(None, environ, tmp_path) == (data, "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH")
    del environ["PYTHONPATH"]
    assert locate(None, environ, tmp_path) == (data, "PYO3_CROSS_LIB_DIR")


def test_pyo3_cross_lib_dir_python_subfolder(tmp_path: Path) -> None:
    lib = tmp_path / "usr" / "lib"
    data = _put(lib / "python3.12" / QEMUARM64.name, QEMUARM64)
    (lib / "aarch64-linux-gnu").mkdir()
    assert locate(None, {"PYO3_CROSS_LIB_DIR": str(lib)}, tmp_path) == (data, "PYO3_CROSS_LIB_DIR")


def test_pyo3_cross_lib_dir_build_tree(tmp_path: Path) -> None:
    # A CPython build directory, as pyo3 and maturin search it.
    build = tmp_path / "cpython" / "build"
    data = _put(build / "lib.linux-aarch64-3.12" / QEMUARM64.name, QEMUARM64)
    (tmp_path / "cpython" / "Modules").mkdir()
    environ = {"PYO3_CROSS_LIB_DIR": str(tmp_path / "cpython")}
    assert locate(None, environ, tmp_path) == (data, "PYO3_CROSS_LIB_DIR")


def test_debian_symlinked_duplicate_counts_once(tmp_path: Path) -> None:
    # Debian ships _sysconfigdata__linux_<multiarch>.py as a symlink to _sysconfigdata__<multiarch>.py.
    lib = tmp_path / "usr" / "lib"
    real = _put(lib / "python3.11" / DEBIAN_ARMHF.name, DEBIAN_ARMHF)
    (lib / "python3.11" / DEBIAN_ARMHF_LINK.name).symlink_to(real.name)
    found = locate(None, {"PYO3_CROSS_LIB_DIR": str(lib)}, tmp_path)
    assert found == (real, "PYO3_CROSS_LIB_DIR")


def test_pyo3_cross_lib_dir_missing(tmp_path: Path) -> None:
    missing = tmp_path / "sysroot" / "usr" / "lib"
    with pytest.raises(ConfigError) as info:
        locate(None, {"PYO3_CROSS_LIB_DIR": str(missing)}, tmp_path)
    assert one_line(info) == (
        f"PYO3_CROSS_LIB_DIR={missing} is not a directory; set it to the target's library "
        f"directory (the sysroot's usr/lib) or unset it"
    )


@pytest.fixture
def two_pythons(tmp_path: Path) -> Path:
    """usr/lib with python3.12, python3.13 and a free-threaded python3.13t."""
    lib = tmp_path / "usr" / "lib"
    _put(lib / "python3.12" / QEMUARM64.name, QEMUARM64)
    _put(lib / "python3.13" / QEMUARM64.name, QEMUARM64)
    _put(lib / "python3.13t" / FREETHREADED.name, FREETHREADED)
    return lib


def test_two_candidates_are_refused(two_pythons: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        locate(None, {"PYO3_CROSS_LIB_DIR": str(two_pythons)}, tmp_path)
    message = one_line(info)
    listed = ", ".join(
        str(two_pythons / folder / name)
        for folder, name in (
            ("python3.12", QEMUARM64.name),
            ("python3.13", QEMUARM64.name),
            ("python3.13t", FREETHREADED.name),
        )
    )
    assert message == (
        f"3 target sysconfigdata files under {two_pythons} (from PYO3_CROSS_LIB_DIR): {listed}; "
        f"choose one with -C sysconfigdata=PATH (or MATURIN_CROSS_SYSCONFIGDATA), or narrow the "
        f"search with PYO3_CROSS_PYTHON_VERSION / _PYTHON_SYSCONFIGDATA_NAME"
    )


@pytest.mark.parametrize(
    ("version", "folder", "name"),
    [
        ("3.12", "python3.12", QEMUARM64.name),
        ("3.13", "python3.13", QEMUARM64.name),
        ("3.13t", "python3.13t", FREETHREADED.name),
    ],
)
def test_narrowed_by_pyo3_cross_python_version(
    two_pythons: Path, tmp_path: Path, version: str, folder: str, name: str
) -> None:
    environ = {"PYO3_CROSS_LIB_DIR": str(two_pythons), "PYO3_CROSS_PYTHON_VERSION": version}
    assert locate(None, environ, tmp_path) == (two_pythons / folder / name, "PYO3_CROSS_LIB_DIR")


@pytest.mark.parametrize(
    ("version", "name"), [("3.13", QEMUARM64.name), ("3.13t", FREETHREADED.name)]
)
def test_free_threaded_beside_the_default_build(tmp_path: Path, version: str, name: str) -> None:
    # Both builds' files in one folder.
    lib = tmp_path / "lib"
    _put(lib / "python3.13" / QEMUARM64.name, QEMUARM64)
    _put(lib / "python3.13" / FREETHREADED.name, FREETHREADED)
    environ = {"PYO3_CROSS_LIB_DIR": str(lib), "PYO3_CROSS_PYTHON_VERSION": version}
    assert locate(None, environ, tmp_path) == (lib / "python3.13" / name, "PYO3_CROSS_LIB_DIR")


def test_narrowed_by_sysconfigdata_name(tmp_path: Path) -> None:
    # Two targets' files side by side; _PYTHON_SYSCONFIGDATA_NAME (Buildroot's) picks one.
    lib = tmp_path / "usr" / "lib" / "python3.12"
    _put(lib / QEMUARM.name, QEMUARM)
    arm64 = _put(lib / QEMUARM64.name, QEMUARM64)
    environ = {"PYO3_CROSS_LIB_DIR": str(lib), "_PYTHON_SYSCONFIGDATA_NAME": arm64.stem}
    assert locate(None, environ, tmp_path) == (arm64, "PYO3_CROSS_LIB_DIR")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"PATH": "/usr/bin", "CARGO_BUILD_TARGET": "aarch64-unknown-linux-gnu"},
        {"PYTHONPATH": str(FIXTURES / "yocto-qemuarm" / "python-sysconfigdata")},
        {"_PYTHON_SYSCONFIGDATA_NAME": "", "PYO3_CROSS_LIB_DIR": ""},
    ],
    ids=["empty", "unrelated", "pythonpath-without-name", "empty-values"],
)
def test_nothing_names_a_target(environ: dict[str, str], tmp_path: Path) -> None:
    assert locate(None, environ, tmp_path) is None


def test_one_precedence_for_the_sysconfigdata(tmp_path: Path) -> None:
    """A setting in pyproject.toml ranks below the environment's conventions, as for every key;
    a config setting or MATURIN_CROSS_SYSCONFIGDATA above them; crossenv below the variables."""
    staging = tmp_path / "staging"
    data = _put(staging / QEMUARM64.name, QEMUARM64)
    environ = {"_PYTHON_SYSCONFIGDATA_NAME": data.stem, "PYTHONPATH": str(staging)}
    in_pyproject = Sourced(str(QEMUARM), Origin(Kind.PYPROJECT, "tool.maturin-cross.sysconfigdata"))
    assert locate(in_pyproject, environ, tmp_path) == (
        data,
        "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH",
    )
    from_env = Sourced(str(QEMUARM), Origin(Kind.ENVIRONMENT, "MATURIN_CROSS_SYSCONFIGDATA"))
    assert locate(from_env, environ, tmp_path) == (QEMUARM, "MATURIN_CROSS_SYSCONFIGDATA")
    crossenv = Sourced(str(QEMUARM), Origin(Kind.CONVENTION, "crossenv"))
    found = locate(None, environ, tmp_path, crossenv=crossenv)
    assert found is not None and found[1] == "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH"
    assert locate(None, {}, tmp_path, crossenv=crossenv) == (QEMUARM, "crossenv")


# ------------------------------------------------------------------------------------------------
# Hostile sizes and shapes: one line, memory bounded


BASE: dict[str, object] = {
    "VERSION": "3.12",
    "ABIFLAGS": "",
    "SOABI": "cpython-312-aarch64-linux-gnu",
    "EXT_SUFFIX": ".cpython-312-aarch64-linux-gnu.so",
    "MULTIARCH": "aarch64-linux-gnu",
    "HOST_GNU_TYPE": "aarch64-unknown-linux-gnu",
    "LDVERSION": "3.12",
    "SIZEOF_VOID_P": 8,
    "LIBDIR": "/usr/lib",
    "LIBDEST": "/usr/lib/python3.12",
    "LDLIBRARY": "libpython3.12.so",
    "INCLUDEPY": "/usr/include/python3.12",
}
BASE_NAME = "_sysconfigdata__linux_aarch64-linux-gnu.py"


def _written(tmp_path: Path, vars: dict[str, object], name: str = BASE_NAME) -> Path:
    path = tmp_path / name
    path.write_text(f"build_time_vars = {vars!r}\n")
    return path


def test_the_base_is_good(tmp_path: Path) -> None:
    assert parse(_written(tmp_path, BASE), said("test")).vars == BASE


@pytest.mark.parametrize(
    "value",
    [
        "-" * 100_000 + "1",
        "+".join(["1"] * 100_000),
        "[" * 100_000 + "]" * 100_000,
        "(" * 100_000 + ")" * 100_000,
        "9" * 5000,
    ],
    ids=["unary-minus", "long-sum", "nested-lists", "nested-parentheses", "5000-digit-int"],
)
def test_hostile_expressions_are_one_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / BASE_NAME
    path.write_text(f"build_time_vars = {{'VERSION': '3.12', 'X': {value}}}\n")
    with pytest.raises(ConfigError) as info:
        parse(path, said("test"))
    assert one_line(info).startswith(f"{path}")


def test_a_file_larger_than_any_sysconfigdata(tmp_path: Path) -> None:
    path = _written(tmp_path, BASE)
    with path.open("a") as file:
        file.write("#" * (1 << 20) + "\n")
    with pytest.raises(ConfigError) as info:
        parse(path, said("-C sysconfigdata"))
    assert one_line(info) == (
        f"{path}: larger than 1 MiB, which no sysconfigdata is; is -C sysconfigdata pointing at "
        f"the target's _sysconfigdata_*.py?"
    )


@pytest.mark.parametrize("value", ["9" * 5000, "\u00b2", " 8 8 ", "-1"])
def test_get_int_of_text_that_is_no_small_number(value: str) -> None:
    assert SysconfigData(Path("x"), said("test"), {"K": value}).get_int("K") is None


# ------------------------------------------------------------------------------------------------
# One reading: what CPython would take, or a refusal


def test_the_last_assignment_is_the_one_cpython_keeps(tmp_path: Path) -> None:
    x86 = {
        **BASE,
        "SOABI": "cpython-312-x86_64-linux-gnu",
        "EXT_SUFFIX": ".cpython-312-x86_64-linux-gnu.so",
        "MULTIARCH": "x86_64-linux-gnu",
        "HOST_GNU_TYPE": "x86_64-pc-linux-gnu",
    }
    path = tmp_path / BASE_NAME.replace("aarch64", "x86_64")
    path.write_text(f"build_time_vars = {BASE!r}\nbuild_time_vars = {x86!r}\n")
    assert parse(path, said("test")).vars == x86


ACCEPTED_MODULES = [
    '"""docstring"""\nfrom __future__ import annotations\nbuild_time_vars = {base}\n',
    "OTHER = {{'a': (1, -2.5, 'x' 'y')}}\nbuild_time_vars = {base}\npass\n",
    "build_time_vars: dict[str, object] = {base}\n",
    "a = build_time_vars = {base}\n",
]


@pytest.mark.parametrize("text", ACCEPTED_MODULES)
def test_plain_literal_modules(tmp_path: Path, text: str) -> None:
    path = tmp_path / BASE_NAME
    path.write_text(text.format(base=repr(BASE)))
    assert parse(path, said("test")).vars == BASE


REBINDING = [
    ("build_time_vars['EXT_SUFFIX'] = '.cpython-312-x86_64-linux-gnu.so'", "an assignment"),
    ("build_time_vars |= {'EXT_SUFFIX': '.cpython-312-x86_64-linux-gnu.so'}", "an augmented"),
    ("build_time_vars.update(EXT_SUFFIX='.cpython-312-x86_64-linux-gnu.so')", "a call"),
    ("del build_time_vars['SOABI']", "a del"),
    ("if True:\n    build_time_vars = {}", "an if block"),
    ("for build_time_vars in [{}]:\n    pass", "a for loop"),
    ("globals()['build_time_vars'] = {}", "an assignment"),
    ("from os import environ as build_time_vars", "an import"),
    ("(build_time_vars := {})", "an expression"),
    ("def build_time_vars():\n    pass", "a function"),
    ("x = __import__('os').getcwd()", "an assignment"),
    ("class C:\n    pass", "a class"),
    ("try:\n    pass\nexcept Exception:\n    pass", "a try block"),
    ("y: print() = 1", "an assignment"),
]


@pytest.mark.usefixtures("no_marker")
@pytest.mark.parametrize(("code", "kind"), REBINDING, ids=[k for _, k in REBINDING])
def test_code_that_could_change_build_time_vars_is_refused(
    tmp_path: Path, code: str, kind: str
) -> None:
    path = tmp_path / BASE_NAME
    path.write_text(f"build_time_vars = {BASE!r}\n{code}\n")
    with pytest.raises(ConfigError) as info:
        parse(path, said("test"))
    message = one_line(info)
    assert message.startswith(f"{path}:2: top-level code ({kind}")
    assert "regenerate the file as plain literal assignments" in message


# ------------------------------------------------------------------------------------------------
# What a sysconfigdata says is checked before it is used: names and paths are what they must be


BAD_VALUES = [
    ("EXT_SUFFIX", ".cpython-312-aarch64-linux-gnu\x00.so"),
    ("EXT_SUFFIX", ".cpython-312/aarch64-linux-gnu.so"),
    ("EXT_SUFFIX", ".cpython-312-aarch64-linux-gnu.so\n"),
    ("EXT_SUFFIX", ".cpython-312-aarch64-linux-gnu\udc80.so"),
    ("EXT_SUFFIX", "." + "x" * 100_000 + ".so"),
    ("EXT_SUFFIX", "cpython-312-aarch64-linux-gnu.so"),
    ("EXT_SUFFIX", ".cpython-312-aarch64-linux-gnu.dll"),
    ("EXT_SUFFIX", ".cpython-312-aarch64-linux-gn\u00fc.so"),
    ("EXT_SUFFIX", ".cpython-312..so"),
    ("MULTIARCH", "aarch64-linux-gnu/../x"),
    ("MULTIARCH", "aarch64-linux-gnu\n"),
    ("SOABI", "cpython-312-aarch64-linux-gnu\x00"),
    ("VERSION", "3.12\n"),
    ("VERSION", "3"),
    ("VERSION", "3.1" + "2" * 5000),
    ("VERSION", "\u0663.\u0661\u0662"),
    ("ABIFLAGS", "t/"),
    ("LDVERSION", "3.12\nlib_dir=/elsewhere"),
    ("HOST_GNU_TYPE", "aarch64-unknown-linux-gnu\nx"),
    ("LDLIBRARY", "../../libpython3.12.so"),
    ("LIBDIR", "/usr/lib\x00"),
    ("LIBDEST", "/usr/lib/python3.12\nx"),
    ("INCLUDEPY", "/usr/include/\udc80"),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES, ids=lambda v: repr(v)[:30])
def test_a_value_that_is_no_name_is_refused(tmp_path: Path, key: str, value: str) -> None:
    path = _written(tmp_path, {**BASE, key: value})
    with pytest.raises(ConfigError) as info:
        parse(path, said("-C sysconfigdata"))
    message = one_line(info)
    assert message.startswith(f"{path}: {key}=")
    assert " is not " in message
    assert len(message) < 400
    message.encode("utf-8")


# ------------------------------------------------------------------------------------------------
# A file that contradicts itself, in what CPython derives from what


def _contradiction(tmp_path: Path, name: str = BASE_NAME, **changes: object) -> str:
    path = _written(tmp_path, {**BASE, **changes}, name)
    with pytest.raises(ConfigError) as info:
        parse(path, said("test"))
    message = one_line(info)
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_ext_suffix_of_another_machine_than_multiarch(tmp_path: Path) -> None:
    message = _contradiction(
        tmp_path,
        SOABI="cpython-312-x86_64-linux-gnu",
        EXT_SUFFIX=".cpython-312-x86_64-linux-gnu.so",
    )
    assert message == (
        "EXT_SUFFIX '.cpython-312-x86_64-linux-gnu.so' names multiarch x86_64-linux-gnu, but "
        "MULTIARCH is 'aarch64-linux-gnu'; CPython builds one from the other, so the file "
        "contradicts itself: use the target's own sysconfigdata, as its Python wrote it"
    )


@pytest.mark.parametrize(
    ("changes", "name", "says"),
    [
        (
            {"SOABI": "cpython-312-x86_64-linux-gnu"},
            BASE_NAME,
            "EXT_SUFFIX '.cpython-312-aarch64-linux-gnu.so' is not '.' + SOABI + '.so' (SOABI is 'cpython-312-x86_64-linux-gnu')",
        ),
        (
            {"VERSION": "3.11", "LDVERSION": "3.11"},
            BASE_NAME,
            "EXT_SUFFIX '.cpython-312-aarch64-linux-gnu.so' is for Python 3.12 (312), but VERSION is '3.11'",
        ),
        (
            {"ABIFLAGS": "d", "LDVERSION": "3.12d"},
            "_sysconfigdata_d_linux_aarch64-linux-gnu.py",
            "EXT_SUFFIX '.cpython-312-aarch64-linux-gnu.so' has ABI flags '', but ABIFLAGS is 'd'",
        ),
        ({"LDVERSION": "3.12t"}, BASE_NAME, "LDVERSION '3.12t' is not VERSION + ABIFLAGS ('3.12')"),
        ({"Py_GIL_DISABLED": 1}, BASE_NAME, "Py_GIL_DISABLED is 1, but ABIFLAGS '' has no t"),
        (
            {},
            "_sysconfigdata__linux_x86_64-linux-gnu.py",
            "the file name says multiarch x86_64-linux-gnu, but MULTIARCH is 'aarch64-linux-gnu'",
        ),
        (
            {},
            "_sysconfigdata_t_linux_aarch64-linux-gnu.py",
            "the file name says ABI flags 't', but ABIFLAGS is ''",
        ),
    ],
    ids=["soabi", "version", "abiflags", "ldversion", "gil", "name-multiarch", "name-abiflags"],
)
def test_a_file_that_contradicts_itself(
    tmp_path: Path, changes: dict[str, object], name: str, says: str
) -> None:
    assert _contradiction(tmp_path, name, **changes).startswith(says)


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        # OpenWrt's patch takes the triplet out of SOABI; MULTIARCH stays.
        ({"SOABI": "cpython-312", "EXT_SUFFIX": ".cpython-312.so"}, BASE_NAME),
        # uClibc: no triplet at all.
        (
            {"SOABI": "cpython-312", "EXT_SUFFIX": ".cpython-312.so", "MULTIARCH": ""},
            "_sysconfigdata__linux_.py",
        ),
        (
            {
                "ABIFLAGS": "d",
                "SOABI": "cpython-312d-aarch64-linux-gnu",
                "EXT_SUFFIX": ".cpython-312d-aarch64-linux-gnu.so",
                "LDVERSION": "3.12d",
            },
            "_sysconfigdata_d_linux_aarch64-linux-gnu.py",
        ),
        (
            {
                "VERSION": "3.13",
                "ABIFLAGS": "td",
                "SOABI": "cpython-313td-aarch64-linux-gnu",
                "EXT_SUFFIX": ".cpython-313td-aarch64-linux-gnu.so",
                "LDVERSION": "3.13td",
                "Py_GIL_DISABLED": 1,
            },
            "_sysconfigdata_td_linux_aarch64-linux-gnu.py",
        ),
        (
            {
                "VERSION": "3.7",
                "ABIFLAGS": "m",
                "SOABI": "cpython-37m-aarch64-linux-gnu",
                "EXT_SUFFIX": ".cpython-37m-aarch64-linux-gnu.so",
                "LDVERSION": "3.7m",
            },
            "_sysconfigdata_m_linux_aarch64-linux-gnu.py",
        ),
        (
            {"SOABI": "pypy310-pp73", "EXT_SUFFIX": ".pypy310-pp73-aarch64-linux-gnu.so"},
            "_sysconfigdata.py",
        ),
        ({"Py_GIL_DISABLED": 0}, "_sysconfigdata__aarch64-linux-gnu.py"),
        ({}, "_sysconfigdata.py"),
        ({}, "_sysconfigdata_aarch64_conda_cos7_linux_gnu.py"),
        ({}, "_sysconfigdata__linux_aarch64-linux-gnu.py"),
    ],
    ids=[
        "openwrt",
        "uclibc",
        "debug",
        "free-threaded-debug",
        "py37m",
        "pypy",
        "debian-name",
        "yocto-copy",
        "conda-name",
        "upstream-name",
    ],
)
def test_real_variations_are_not_contradictions(
    tmp_path: Path, changes: dict[str, object], name: str
) -> None:
    vars = {**BASE, **changes}
    assert parse(_written(tmp_path, vars, name), said("test")).vars == vars


# ------------------------------------------------------------------------------------------------
# _PYTHON_SYSCONFIGDATA_NAME found where Python finds a module: PYTHONPATH, then sys.path (the
# working folder under `python -m`); parsed there, never imported, or one line


def test_name_found_on_the_module_path(tmp_path: Path) -> None:
    data = _put(tmp_path / "cwd" / "_target_sd.py", QEMUARM64)
    environ = {"_PYTHON_SYSCONFIGDATA_NAME": "_target_sd"}
    search = (str(tmp_path / "elsewhere"), str(tmp_path / "cwd"))
    assert locate(None, environ, tmp_path, module_path=search) == (
        data,
        "_PYTHON_SYSCONFIGDATA_NAME on sys.path",
    )


def test_pythonpath_comes_before_the_module_path(tmp_path: Path) -> None:
    on_path = _put(tmp_path / "pythonpath" / "_target_sd.py", QEMUARM64)
    _put(tmp_path / "cwd" / "_target_sd.py", QEMUARM)
    environ = {"_PYTHON_SYSCONFIGDATA_NAME": "_target_sd", "PYTHONPATH": str(on_path.parent)}
    found = locate(None, environ, tmp_path, module_path=(str(tmp_path / "cwd"),))
    assert found == (on_path, "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH")


def test_a_name_that_names_nothing_is_one_line(tmp_path: Path) -> None:
    environ = {"_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata__linux_arm-linux-gnueabihf"}
    with pytest.raises(ConfigError) as info:
        locate(None, environ, tmp_path, module_path=(str(tmp_path),))
    assert one_line(info) == (
        "_PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__linux_arm-linux-gnueabihf names no "
        "_sysconfigdata__linux_arm-linux-gnueabihf.py on PYTHONPATH or sys.path, so the target "
        "is unknown; put the target's sysconfigdata folder on PYTHONPATH, pass the file with "
        "-C sysconfigdata=PATH, or unset the variable for a native build"
    )


def test_a_name_that_names_nothing_beside_a_named_file(tmp_path: Path) -> None:
    environ = {"_PYTHON_SYSCONFIGDATA_NAME": "_missing"}
    assert locate((str(QEMUARM), "-C sysconfigdata"), environ, tmp_path) == (
        QEMUARM,
        "-C sysconfigdata",
    )


@pytest.mark.parametrize(
    "name", ["../_sysconfigdata", "lib/_sysconfigdata", "pkg._sysconfigdata", "x" * 300, "a\nb"]
)
def test_a_name_that_is_no_module_name(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        locate(None, {"_PYTHON_SYSCONFIGDATA_NAME": name}, tmp_path)
    message = one_line(info)
    assert message.startswith("_PYTHON_SYSCONFIGDATA_NAME=")
    assert "is not a module name (ASCII letters, digits, '_' and '-'" in message
    assert len(message) < 300


# A target file that says so if anything runs it.
EXECUTED = "EXECUTED"
MARKER_CODE = (
    "import pathlib\n"
    f"pathlib.Path(__file__).with_name({EXECUTED!r}).write_text('the file was run')\n"
    "raise SystemExit('executed')\n"
)


def _module_inspect(tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        ["inspect", "--json"],
        cwd=tmp_path,
        env=clean_environ(HOME=str(tmp_path), _PYTHON_SYSCONFIGDATA_NAME=name),
        timeout=120,
    )


def test_python_m_neither_finds_nor_runs_a_named_file_in_the_working_folder(
    tmp_path: Path,
) -> None:
    # `python -m maturin_cross` takes the working folder off sys.path (a file there could
    # otherwise be imported by the host's own sysconfig): the name is looked up where the
    # process would import it, and found nowhere.
    for text in (
        MARKER_CODE + f"build_time_vars = {parse(QEMUARM64, said('test')).vars!r}\n",
        QEMUARM64.read_text(),
    ):
        (tmp_path / "_target_sd.py").write_text(text)
        done = _module_inspect(tmp_path, "_target_sd")
        assert not (tmp_path / EXECUTED).exists()
        assert (done.returncode, done.stdout) == (2, "")
        (line,) = done.stderr.splitlines()
        assert line.startswith(
            "maturin-cross: error: _PYTHON_SYSCONFIGDATA_NAME=_target_sd names no "
        )


def test_python_m_with_a_name_that_names_nothing(tmp_path: Path) -> None:
    done = _module_inspect(tmp_path, "_no_such_sysconfigdata")
    assert (done.returncode, done.stdout) == (2, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "maturin-cross: error: _PYTHON_SYSCONFIGDATA_NAME=_no_such_sysconfigdata names no "
    )


def test_cli_main_parses_or_refuses_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness import clear_target_environ

    from maturin_cross.cli.main import main

    clear_target_environ(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "_target_sd.py").write_text(
        MARKER_CODE + f"build_time_vars = {parse(QEMUARM64, said('test')).vars!r}\n"
    )
    monkeypatch.setenv("_PYTHON_SYSCONFIGDATA_NAME", "_target_sd")
    # In-process the working folder is not on sys.path: Python would not find the file.
    assert main(["inspect", "--json"]) == 2
    out, err = capsys.readouterr()
    assert (out, err.count("\n")) == ("", 1)
    assert err.startswith("maturin-cross: error: _PYTHON_SYSCONFIGDATA_NAME=_target_sd names no ")
    # On sys.path it is found, and parsed: code is refused, a literal read.
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["inspect", "--json"]) == 2
    out, err = capsys.readouterr()
    assert (out, err.count("\n")) == ("", 1)
    assert err.startswith(f"maturin-cross: error: {tmp_path / '_target_sd.py'}:1: top-level code")
    _put(tmp_path / "_target_sd.py", QEMUARM64)
    assert main(["inspect", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rust_target"] == "aarch64-unknown-linux-gnu"
    assert not (tmp_path / EXECUTED).exists()
    assert "_target_sd" not in sys.modules


def test_a_folder_search_990_levels_deep_is_bounded(tmp_path: Path) -> None:
    """Made (and removed) with paths relative to an open folder: the deepest is far past
    PATH_MAX, and past what a recursive removal (pytest's own clean-up) could take."""
    from maturin_cross.target.sysconfigdata import _search_lib_dir

    fds = [os.open(tmp_path, os.O_RDONLY)]
    try:
        for _ in range(990):
            os.mkdir("lib", dir_fd=fds[-1])
            fds.append(os.open("lib", os.O_RDONLY, dir_fd=fds[-1]))
        os.close(os.open("_sysconfigdata_deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=fds[-1]))
        assert _search_lib_dir(tmp_path, {}) == []  # not found, and no RecursionError
        with pytest.raises(ConfigError) as info:
            sysconfigdata.locate(Sourced(str(tmp_path), said("-C sysconfigdata")), {}, tmp_path)
        assert f"no _sysconfigdata_*.py under {tmp_path}" in str(info.value)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink("_sysconfigdata_deep.py", dir_fd=fds[-1])
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("lib", dir_fd=fds[-1])
        os.close(fds.pop())
