"""Shared fixtures: real cross toolchains (provisioned from Debian's packages by
tools/provision-cross.sh, cached between runs), a wheel of maturin-cross itself for isolated
builds, and the target's Python under qemu.

A test that needs a toolchain skips when it cannot be provisioned here, except in CI
(``CI=true``), where that is a failure: a green run that skipped the cross tests proves nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing cross toolchain is a failure)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class CrossToolchain:
    arch: str
    """Debian architecture (armhf)."""
    sysroot: Path
    rust_target: str
    linker: str
    qemu: str

    @property
    def python(self) -> Path:
        return self.sysroot / "usr" / "bin" / "python3.11"

    @property
    def sysconfigdata(self) -> Path:
        found = sorted((self.sysroot / "usr" / "lib" / "python3.11").glob("_sysconfigdata__*.py"))
        real = [p for p in found if not p.is_symlink()]
        assert len(real) == 1, found
        return real[0]

    @property
    def linker_env(self) -> dict[str, str]:
        key = "CARGO_TARGET_" + self.rust_target.upper().replace("-", "_") + "_LINKER"
        return {key: self.linker}

    def run_python(self, code: str, pythonpath: Path | None = None) -> str:
        """Run ``code`` in the target's own python3.11 under qemu; return its stdout."""
        cmd = [self.qemu, "-L", str(self.sysroot)]
        if pythonpath is not None:
            cmd += ["-E", f"PYTHONPATH={pythonpath}"]
        cmd += [str(self.python), "-c", code]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"target python failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout


_provisioned: dict[str, CrossToolchain] = {}


def provision(arch: str) -> CrossToolchain:
    if arch in _provisioned:
        return _provisioned[arch]
    if os.geteuid() != 0 and not IN_CI:
        pytest.skip("provisioning cross toolchains needs root (apt-get, dpkg)")
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), arch],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        unavailable(f"cannot provision the {arch} cross toolchain: {done.stderr.strip()[-2000:]}")
    line = done.stdout.strip().splitlines()[-1].split()
    toolchain = CrossToolchain(line[0], Path(line[1]), line[2], line[3], line[4])
    for tool in (toolchain.linker, toolchain.qemu):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not on PATH after provisioning {arch}")
    _provisioned[arch] = toolchain
    return toolchain


@pytest.fixture(scope="session")
def armhf() -> CrossToolchain:
    return provision("armhf")


@pytest.fixture(scope="session")
def self_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a wheel of maturin-cross itself, for isolated builds (PIP_FIND_LINKS)."""
    out = tmp_path_factory.mktemp("self-wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    return out


@pytest.fixture
def rpds_source(tmp_path: Path) -> Path:
    """A fresh copy of examples/rpds (its build leaves nothing in the repository)."""
    dest = tmp_path / "rpds"
    shutil.copytree(EXAMPLES / "rpds", dest, ignore=shutil.ignore_patterns("target"))
    return dest
