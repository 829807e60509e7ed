"""The CI share of the real-package matrix (tests/realworld.py; all of it: ``tox -e realworld``):
real sdists from the package index, built by ``maturin-cross build`` with nothing set but the
target's sysconfigdata and linker, proven by ``maturin-cross test`` calling a real function (or
running the program) on the target under qemu."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import provision
from realworld import CI_SUBSET, PACKAGES, Cross, markdown, prove


@pytest.mark.cross
@pytest.mark.index
@pytest.mark.parametrize(("name", "arch"), CI_SUBSET, ids=[f"{n}-{a}" for n, a in CI_SUBSET])
def test_a_real_package_builds_and_works_on_the_target(
    name: str, arch: str, tmp_path: Path
) -> None:
    toolchain = provision(arch)
    cross = Cross(arch, toolchain.sysroot, toolchain.rust_target, toolchain.linker)
    (package,) = [p for p in PACKAGES if p.name == name]
    result = prove(package, cross, tmp_path)
    assert result.ok, result.said
    assert result.wheel.startswith(name.replace("-", "_") + "-" + package.version + "-")
    # The table docs/compatibility.md is made of says what had to be set: nothing.
    assert f"| {name} | {package.version} |" in markdown([result])
    assert "| nothing |" in markdown([result])
