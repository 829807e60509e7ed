"""The fixtures that reach outside the machine's own Python, and the markers derived from them.

Tests are in two folders by what they need: ``unit/`` needs no cross toolchain, no network and no
root; ``integration/`` builds for real targets, runs them under qemu, installs from a package
index or runs BitBake. Their shared helpers are in ``helpers/`` (harness.py first), the cross
toolchain in tools/crosskit.py (both on the path from ``pythonpath`` in pyproject.toml).

A test is marked by the fixtures it uses (``NEEDS``), not by hand: asking for ``armhf`` makes it a
``cross`` test, asking for ``self_wheelhouse`` an ``index`` test. The plain ``pytest`` leaves those
out (pyproject.toml's ``addopts``); ``tox`` runs every one.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cross_arches import ARCHES, DOOR_ARCHES
from harness import (
    EXAMPLES,
    ROOT,
    CrossToolchain,
    OldestRust,
    old_maturin,
    provision,
    provision_oldest_rust,
    unavailable,
    venv_with,
    yocto_rdepends,
)

NEEDS: dict[str, frozenset[str]] = {
    "cross": frozenset(
        {"armhf", "toolchain", "door_toolchain", "oldest_rust", "provisioner"},
    ),
    "index": frozenset({"self_wheelhouse", "maturin_170", "yocto_native_python", "debian_sysroot"}),
}
"""Marker -> the fixtures that make a test need it (directly or through another fixture)."""


def pytest_configure(config: pytest.Config) -> None:
    """The provisioning cache's earlier name is in the product's settings namespace, where the
    product refuses it: take it as the cache, and keep it from every process the tests start
    (until the run ends)."""
    if "MATURIN_CROSS_CACHE" not in os.environ:
        return
    before = {
        name: os.environ.get(name) for name in ("MATURIN_CROSS_CACHE", "CROSS_PROVISION_CACHE")
    }
    os.environ.setdefault("CROSS_PROVISION_CACHE", os.environ["MATURIN_CROSS_CACHE"])
    del os.environ["MATURIN_CROSS_CACHE"]

    def restore() -> None:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    config.add_cleanup(restore)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what its fixtures need."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in NEEDS.items():
            if used & fixtures:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def oldest_rust() -> OldestRust:
    return provision_oldest_rust()


@pytest.fixture(scope="session")
def cargo() -> str:
    """cargo on PATH, for a test that runs maturin on a project (maturin asks cargo for the
    crate's metadata, for an sdist too). A machine of this kind has rustup's; a plain Debian
    machine gets Debian's from the provisioning (as root), or the test skips (fails in CI)."""
    found = shutil.which("cargo")
    if found is None:
        provision("armhf")  # installs Debian's rustc-web and cargo-web
        found = shutil.which("cargo")
    if found is None:
        unavailable("cargo is not on PATH, and provisioning did not put it there")
    return found


@pytest.fixture(scope="session")
def armhf() -> CrossToolchain:
    return provision("armhf")


@pytest.fixture(scope="session", params=list(ARCHES))
def toolchain(request: pytest.FixtureRequest) -> CrossToolchain:
    """Each architecture the tests build for, in turn."""
    return provision(request.param)


@pytest.fixture(scope="session", params=list(DOOR_ARCHES))
def door_toolchain(request: pytest.FixtureRequest) -> CrossToolchain:
    """Each architecture every door is proven on, in turn."""
    return provision(request.param)


@pytest.fixture(scope="session")
def provisioner() -> Callable[[str], CrossToolchain]:
    """The cross toolchain of an architecture the test picks itself: ``provisioner("i386")``."""
    return provision


@pytest.fixture(scope="session")
def self_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a wheel of maturin-cross itself, for isolated builds (PIP_FIND_LINKS)."""
    out = tmp_path_factory.mktemp("self-wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def maturin_170(tmp_path_factory: pytest.TempPathFactory, self_wheelhouse: Path) -> Path:
    """maturin 1.7.0, the version of the seed's bug."""
    return old_maturin("1.7.0", tmp_path_factory, self_wheelhouse)


@pytest.fixture
def rpds_source(tmp_path: Path) -> Path:
    """A fresh copy of examples/rpds (its build leaves nothing in the repository)."""
    dest = tmp_path / "rpds"
    shutil.copytree(EXAMPLES / "rpds", dest, ignore=shutil.ignore_patterns("target"))
    return dest


@pytest.fixture(scope="session")
def yocto_native_python(tmp_path_factory: pytest.TempPathFactory, self_wheelhouse: Path) -> Path:
    """A virtual environment holding what python3-maturin-cross-native puts in a recipe's native
    sysroot, and nothing else: maturin-cross and the recipe's RDEPENDS (python3-X is X from PyPI,
    at the version this test run has; python3-tomllib is the standard library's). No tomlkit.
    Returns its python."""
    stdlib = {"python3-tomllib"}
    requirements = [
        f"{name}=={importlib.metadata.version(name)}"
        for name in (dep.removeprefix("python3-") for dep in yocto_rdepends() if dep not in stdlib)
    ]
    (wheel,) = self_wheelhouse.glob("maturin_cross-*.whl")
    python = venv_with(
        tmp_path_factory.mktemp("yocto-native"), ["--no-deps", str(wheel), *requirements]
    )
    installed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "tomlkit" not in installed, installed
    return python
