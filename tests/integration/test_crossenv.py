"""crossenv, and plain ``python -m build`` in a cross environment.

crossenv itself (from PyPI) is pointed at the Debian armhf sysroot: ``python -m crossenv
<sysroot>/usr/bin/python3.11 VENV --machine armv7l`` works (crossenv reads the sysroot's
sysconfigdata and libpython3.11-dev's Makefile, and never runs the target python; ``--machine`` is
needed because Debian's python3.11 was configured on an ``armv8l`` build machine). maturin-cross and
build go into the build-python side, as crossenv intends for build tools.

Inside the cross venv, crossenv's ``site.py`` removes ``_PYTHON_SYSCONFIGDATA_NAME``,
``_PYTHON_HOST_PLATFORM`` and ``PYTHONPATH`` from ``os.environ`` as cross-python starts, so the
backend finds the target through ``sys.cross_compiling`` and crossenv's patched ``sysconfig``; and
maturin is run as the program its installed files name, because ``python -m maturin`` would look on
the cross side. With only the linker set the wheel built inside crossenv imports under qemu; the
same with the sysconfigdata named explicitly too. The variables crossenv's cross-python wrapper
exports are also reproduced for a plain host python (``python -m build --no-isolation``), which is
what a user gets who exports them by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import CrossToolchain, clean_environ, unavailable

# crossenv and the build frontend are installed from the index (not every test through a fixture).
pytestmark = pytest.mark.index

MODULE = "rpds.cpython-311-arm-linux-gnueabihf.so"
WHEEL = "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"

CHECK = """
import platform, rpds
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
big = rpds.HashTrieMap({i: i * i for i in range(2000)})
print(platform.machine(), rpds.rpds.__file__.rsplit("/", 1)[1])
print(sorted(m.items()), len(m.remove("a")), m["b"], big[1999], len(big.discard(-1)))
"""


def _assert_imports(armhf: CrossToolchain, out: Path, tmp_path: Path) -> None:
    wheels = sorted(out.glob("*.whl"))
    assert [w.name for w in wheels] == [WHEEL]
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheels[0]) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert f"rpds/{MODULE}" in names
    wheel_meta = (unpacked / "rpds_example-0.1.0.dist-info" / "WHEEL").read_text()
    assert "Tag: cp311-cp311-linux_armv7l" in wheel_meta.splitlines()
    lines = armhf.run_python(CHECK, pythonpath=unpacked).splitlines()
    assert lines[0] == f"armv7l {MODULE}"
    assert lines[1] == "[('a', 1), ('b', 2)] 1 2 3996001 2000"


@dataclass(frozen=True)
class CrossEnv:
    root: Path

    @property
    def cross_python(self) -> Path:
        return self.root / "bin" / "cross-python"

    @property
    def build_bin(self) -> Path:
        return self.root / "build" / "bin"

    @property
    def cross_bin(self) -> Path:
        return self.root / "cross" / "bin"


@pytest.fixture(scope="module")
def crossenv(
    armhf: CrossToolchain, self_wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> CrossEnv:
    """A crossenv for the Debian armhf sysroot, with maturin-cross and build on its build side."""
    if sys.version_info[:2] != (3, 11):
        unavailable(
            f"crossenv needs a build python of the target's version 3.11, this is "
            f"{sys.version_info[0]}.{sys.version_info[1]}"
        )
    work = tmp_path_factory.mktemp("crossenv")
    tool = work / "tool"
    subprocess.run([sys.executable, "-m", "venv", str(tool)], check=True)
    pip = [str(tool / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    done = subprocess.run(
        [*pip, "install", "--quiet", "crossenv==1.6.*"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        unavailable(f"cannot install crossenv from PyPI: {done.stderr.strip()[-1000:]}")
    root = work / "venv"
    done = subprocess.run(
        [
            str(tool / "bin" / "python"),
            "-m",
            "crossenv",
            str(armhf.python),
            str(root),
            "--machine",
            "armv7l",
        ],
        env=clean_environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    env = CrossEnv(root)
    subprocess.run(
        [
            str(root / "bin" / "build-pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--find-links",
            str(self_wheelhouse),
            "maturin-cross",
            "build",
        ],
        env=clean_environ(),
        check=True,
    )
    assert (env.build_bin / "maturin").is_file()
    return env


def test_crossenv_presents_the_target_but_hides_its_variables(crossenv: CrossEnv) -> None:
    """cross-python answers as the armv7l target; the variables its wrapper exported are gone from
    os.environ by the time any code (a build backend) runs."""
    code = (
        "import os, sys, sysconfig\n"
        "print(sys.cross_compiling, sysconfig.get_platform(), os.uname().machine)\n"
        "print(sysconfig.get_config_var('EXT_SUFFIX'), sysconfig._get_sysconfigdata_name())\n"
        "print(sorted(k for k in os.environ if k.startswith(('_PYTHON_', 'PYTHONPATH'))))\n"
    )
    done = subprocess.run(
        [str(crossenv.cross_python), "-c", code],
        env=clean_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == [
        "True linux-armv7l armv7l",
        ".cpython-311-arm-linux-gnueabihf.so _sysconfigdata__arm-linux-gnueabihf",
        "[]",
    ]


def _cross_build(
    crossenv: CrossEnv, armhf: CrossToolchain, source: Path, out: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(crossenv.cross_python),
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(out),
            str(source),
        ],
        env=clean_environ(**armhf.linker_env, **env),
        capture_output=True,
        text=True,
        check=False,
    )


def test_cross_python_m_build_with_only_the_linker(
    crossenv: CrossEnv, armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    done = _cross_build(crossenv, armhf, rpds_source, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    _assert_imports(armhf, out, tmp_path)


def test_cross_python_m_build_with_the_sysconfigdata_named(
    crossenv: CrossEnv, armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    """An explicit sysconfigdata setting still wins over what crossenv's sysconfig names."""
    out = tmp_path / "dist"
    done = _cross_build(
        crossenv, armhf, rpds_source, out, MATURIN_CROSS_SYSCONFIGDATA=str(armhf.sysconfigdata)
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    _assert_imports(armhf, out, tmp_path)


def test_python_m_build_with_crossenv_variables(
    armhf: CrossToolchain, rpds_source: Path, tmp_path: Path
) -> None:
    """What crossenv's cross-python wrapper exports, set by hand for the host python: the target
    is found as _PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH (a folder holding a copy of the file, as
    crossenv keeps one), with nothing but the linker besides."""
    folder = tmp_path / "crossenv-lib"
    folder.mkdir()
    shutil.copy(armhf.sysconfigdata, folder)
    env = clean_environ(
        _PYTHON_HOST_PLATFORM="linux-armv7l",
        _PYTHON_SYSCONFIGDATA_NAME=armhf.sysconfigdata.stem,
        PYTHONPATH=str(folder),
        PYTHON_CROSSENV="1",
        **armhf.linker_env,
    )
    out = tmp_path / "dist"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(out),
            str(rpds_source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "target armv7-unknown-linux-gnueabihf" in done.stderr
    _assert_imports(armhf, out, tmp_path)
