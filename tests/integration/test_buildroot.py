"""Buildroot: examples/rpds built the way Buildroot's pkg-python infrastructure builds a package
with ``<PKG>_SETUP_TYPE = maturin`` (package/pkg-python.mk, package/pkg-cargo.mk), with the Debian
armhf sysroot standing in for Buildroot's staging directory.

The build step is Buildroot's, word for word: ``cd $(@D); $(PKG_PYTHON_MATURIN_ENV)
$(HOST_DIR)/bin/python3 -m build -n -w``, in an environment that holds what
``PKG_PYTHON_MATURIN_ENV`` exports (``_PYTHON_HOST_PLATFORM=linux-arm``, ``_PYTHON_PROJECT_BASE``,
``_PYTHON_SYSCONFIGDATA_NAME``, ``PYTHONPATH``, ``PYTHONNOUSERSITE``, ``PYO3_CROSS_LIB_DIR``,
``CARGO_BUILD_TARGET`` and the cargo linker variable) and nothing of maturin-cross's own: no
``MATURIN_CROSS_*``, no ``PYO3_CONFIG_FILE``. The wheel is installed the way Buildroot's
support/scripts/pyinstaller.py installs it (no look at the tags), and imported under qemu in the
target's own Python. A project that declares plain maturin as its backend goes through
``maturin-cross build --no-isolation`` in a ``<PKG>_BUILD_CMDS`` override, in the same environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from harness import PACKAGES, CrossToolchain, clean_environ, run_cli

RUST_TARGET = "armv7-unknown-linux-gnueabihf"
MODULE = "rpds.cpython-311-arm-linux-gnueabihf.so"
WHEEL = "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"

CHECK = """
import platform, rpds
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
big = rpds.HashTrieMap({i: i * i for i in range(2000)})
print(platform.machine(), rpds.rpds.__file__)
print(sorted(m.items()), len(m.remove("a")), m["b"], big[1999], len(big.discard(-1)))
"""


def buildroot_env(armhf: CrossToolchain, python3_dir: Path) -> dict[str, str]:
    """``PKG_PYTHON_MATURIN_ENV`` for BR2_arm with the sysroot as ``$(STAGING_DIR)``.

    ``python3_dir`` stands in for ``$(PYTHON3_DIR)``, the folder the target python was built in.
    """
    staging = armhf.sysroot
    python3_path = staging / "usr" / "lib" / "python3.11"  # $(PYTHON3_PATH)
    # PKG_PYTHON_SYSCONFIGDATA_NAME: basename of $(PYTHON3_PATH)/_sysconfigdata__linux_*.py. In
    # Debian's sysroot that name is a symlink to _sysconfigdata__arm-linux-gnueabihf.py.
    found = sorted(python3_path.glob("_sysconfigdata__linux_*.py"))
    assert len(found) == 1, found
    env = clean_environ()
    env.update(
        {
            # PKG_PYTHON_ENV (PKG_PYTHON_ARCH is "arm" for every BR2_arm target)
            "_PYTHON_HOST_PLATFORM": "linux-arm",
            "_PYTHON_PROJECT_BASE": str(python3_dir),
            "_PYTHON_SYSCONFIGDATA_NAME": found[0].stem,
            "PYTHONPATH": f"{python3_path}/",
            "PYTHONNOUSERSITE": "1",
            # PKG_CARGO_ENV: CARGO_BUILD_TARGET=$(RUSTC_TARGET_NAME) and the linker
            "CARGO_BUILD_TARGET": RUST_TARGET,
            **armhf.linker_env,
            # PKG_PYTHON_MATURIN_ENV
            "PYO3_CROSS_LIB_DIR": str(staging / "usr" / "lib" / "python3.11"),
        }
    )
    return env


def install_like_pyinstaller(wheel: Path, target_dir: Path) -> Path:
    """Install ``wheel`` into ``target_dir`` (``$(TARGET_DIR)``); return its site-packages.

    pyinstaller.py installs with installer's SchemeDictionaryDestination and names the target's
    folders itself (``--purelib=$(TARGET_DIR)/usr/lib/python3.11/site-packages``), so the scheme
    of the python that runs it does not matter, and it never looks at the wheel's tags.
    ``python -m installer --prefix /usr`` run by the host python gives the same folder. (Run in
    the Buildroot environment, it would import the staging's Debian sysconfig.py from PYTHONPATH
    and pick Debian's /usr/local/lib/python3.11/dist-packages, so it runs without.)
    """
    subprocess.run(
        [
            sys.executable,
            "-m",
            "installer",
            "--destdir",
            str(target_dir),
            "--prefix",
            "/usr",
            "--no-compile-bytecode",
            str(wheel),
        ],
        env=clean_environ(),
        check=True,
    )
    return target_dir / "usr" / "lib" / "python3.11" / "site-packages"


@pytest.fixture
def python3_dir(tmp_path: Path) -> Path:
    """An empty stand-in for ``$(PYTHON3_DIR)`` (Buildroot's output/build/python3-3.11.x)."""
    folder = tmp_path / "build" / "python3-3.11"
    folder.mkdir(parents=True)
    return folder


def test_target_resolved_from_buildroot_environment(
    armhf: CrossToolchain, python3_dir: Path, tmp_path: Path
) -> None:
    """What maturin-cross makes of Buildroot's variables: the sysconfigdata named by
    _PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH, the triple from CARGO_BUILD_TARGET, and linux_armv7l
    where Buildroot says linux-arm."""
    done = run_cli(["inspect", "--json"], env=buildroot_env(armhf, python3_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = json.loads(done.stdout)
    python3_path = armhf.sysroot / "usr" / "lib" / "python3.11"
    assert target["sysconfigdata"] == str(
        python3_path / "_sysconfigdata__linux_arm-linux-gnueabihf.py"
    )
    assert target["sources"]["sysconfigdata"] == "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH"
    assert (target["rust_target"], target["sources"]["rust_target"]) == (
        RUST_TARGET,
        "CARGO_BUILD_TARGET",
    )
    assert target["ext_suffix"] == ".cpython-311-arm-linux-gnueabihf.so"
    assert target["platform_tag"] == "linux_armv7l"
    assert any("_PYTHON_HOST_PLATFORM=linux-arm" in note for note in target["notes"])


def test_python_m_build_n_w_then_pyinstaller_imports_under_qemu(
    armhf: CrossToolchain, rpds_source: Path, python3_dir: Path, tmp_path: Path
) -> None:
    # $(PKG)_BUILD_CMDS: cd $(@D); $(PKG_PYTHON_MATURIN_ENV) $(HOST_DIR)/bin/python3 -m build -n -w
    done = subprocess.run(
        [sys.executable, "-m", "build", "-n", "-w"],
        env=buildroot_env(armhf, python3_dir),
        cwd=rpds_source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    log = done.stdout + done.stderr
    assert f"target {RUST_TARGET}" in log
    assert (
        "_PYTHON_HOST_PLATFORM=linux-arm names no machine a device reports; using linux_armv7l"
        in log
    )

    # $(PKG)_INSTALL_TARGET_CMDS runs pyinstaller.py dist/*: exactly one wheel is expected.
    wheels = sorted((rpds_source / "dist").glob("*.whl"))
    assert [w.name for w in wheels] == [WHEEL]
    with zipfile.ZipFile(wheels[0]) as archive:
        names = archive.namelist()
        wheel_meta = archive.read("rpds_example-0.1.0.dist-info/WHEEL").decode()
    assert f"rpds/{MODULE}" in names
    assert "Tag: cp311-cp311-linux_armv7l" in wheel_meta.splitlines()

    site_packages = install_like_pyinstaller(wheels[0], tmp_path / "target")
    assert (site_packages / "rpds" / MODULE).is_file()

    # Buildroot's target python searches /usr/lib/python3.11/site-packages; Debian's does not,
    # so the folder is passed on PYTHONPATH.
    out = armhf.run_python(CHECK, pythonpath=site_packages).splitlines()
    assert out[0] == f"armv7l {site_packages}/rpds/{MODULE}"
    assert out[1] == "[('a', 1), ('b', 2)] 1 2 3996001 2000"


def test_unchanged_maturin_project_through_build_cmds(
    armhf: CrossToolchain, python3_dir: Path, tmp_path: Path
) -> None:
    """A package whose pyproject.toml says ``build-backend = "maturin"`` (Buildroot's
    python-rpds-py, python-orjson, ...), built by overriding ``<PKG>_BUILD_CMDS`` with
    ``maturin-cross build --no-isolation -o dist`` in the same environment (docs/buildroot.md)."""
    source = tmp_path / "plain-maturin"
    shutil.copytree(PACKAGES / "plain-maturin", source, ignore=shutil.ignore_patterns("target"))
    done = run_cli(
        ["build", "--no-isolation", "-o", "dist"], env=buildroot_env(armhf, python3_dir), cwd=source
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    wheels = sorted((source / "dist").glob("*.whl"))
    assert [w.name for w in wheels] == ["plain_maturin-0.1.0-cp311-cp311-linux_armv7l.whl"]
    assert done.stdout.strip().splitlines()[-1] == str(wheels[0])

    site_packages = install_like_pyinstaller(wheels[0], tmp_path / "target")
    module = "plain_maturin.cpython-311-arm-linux-gnueabihf.so"
    assert (site_packages / "plain_maturin" / module).is_file()
    out = armhf.run_python(
        "import plain_maturin as m\n"
        "print(m.plain_maturin.__file__.rsplit('/', 1)[1], m.add(2, 40), m.pointer_width())",
        pythonpath=site_packages,
    )
    assert out.split() == [module, "42", "32"]
