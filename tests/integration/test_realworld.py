"""The CI share of the real-package matrix (tools/realworld.py; all of it: ``tox -e realworld``):
real sdists from the package index, built by ``maturin-cross build`` with nothing set but the
target's sysconfigdata and linker, proven by ``maturin-cross test`` calling a real function (or
running the program) on the target under qemu."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from harness import CrossToolchain
from realworld import CI_SUBSET, PACKAGES, markdown, prove


# The sdists come from the index (the toolchain's `cross` comes with the provisioner fixture).
@pytest.mark.index
@pytest.mark.parametrize(("name", "arch"), CI_SUBSET, ids=[f"{n}-{a}" for n, a in CI_SUBSET])
def test_a_real_package_builds_and_works_on_the_target(
    name: str, arch: str, tmp_path: Path, provisioner: Callable[[str], CrossToolchain]
) -> None:
    toolchain = provisioner(arch)
    (package,) = [p for p in PACKAGES if p.name == name]
    result = prove(package, toolchain, tmp_path)
    assert result.ok, result.said
    assert result.wheel.startswith(name.replace("-", "_") + "-" + package.version + "-")
    # The table docs/compatibility.md is made of says what had to be set: nothing.
    assert f"| {name} | {package.version} |" in markdown([result])
    assert "| nothing |" in markdown([result])
