"""A real crate locked to pyo3 0.22.6 (tests/packages/pyo3-022, its Cargo.lock made by cargo)
aimed at Debian sid's CPython 3.14: the one line about pyo3 comes before cargo runs, through both
doors, and nothing is built or written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import FIXTURES, PACKAGES, run_cli

SID_314 = FIXTURES / "build-details" / "debian-sid-arm64-3.14"
DATA = SID_314 / "_sysconfigdata__linux_aarch64-linux-gnu.py"
BUILD_DETAILS = SID_314 / "build-details..aarch64-linux-gnu.json"


def _crate(tmp_path: Path) -> Path:
    crate = tmp_path / "pyo3-022"
    shutil.copytree(PACKAGES / "pyo3-022", crate)
    return crate


def _environ(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYO3_", "CARGO_"))}
    # A cargo that would leave a mark if anything ran it.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "cargo-ran"
    cargo = bin_dir / "cargo"
    cargo.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    cargo.chmod(0o755)
    environ["PATH"] = f"{bin_dir}{os.pathsep}{environ.get('PATH', '')}"
    return environ


def test_the_cli_says_it_before_cargo_runs(tmp_path: Path) -> None:
    crate = _crate(tmp_path)
    environ = _environ(tmp_path)
    for target_file in (DATA, BUILD_DETAILS):
        result = run_cli(
            ["build", "--no-isolation", "--sysconfigdata", target_file, "-o", tmp_path / "dist"],
            cwd=crate,
            env=environ,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        (line,) = [ln for ln in result.stderr.splitlines() if "error:" in ln]
        assert line == (
            f"maturin-cross: error: {crate / 'Cargo.lock'} locks pyo3 0.22.6, which supports "
            f"CPython up to 3.13, but the target is CPython 3.14 ({target_file}); update pyo3 "
            f"to 0.25.0 or newer (cargo update -p pyo3, raising the requirement in Cargo.toml "
            f"if it holds it back), or build for the stable ABI (a pyo3 abi3-py3X feature) with "
            f"PYO3_USE_ABI3_FORWARD_COMPATIBILITY=1"
        )
    assert not list(tmp_path.rglob("cargo-ran"))
    assert not (crate / "target").exists() and not (tmp_path / "dist").exists()


def test_the_hook_says_it_too(tmp_path: Path) -> None:
    crate = _crate(tmp_path)
    environ = _environ(tmp_path)
    script = (
        "import sys, maturin_cross.backend as b\n"
        "b.build_wheel(sys.argv[1], {'sysconfigdata': sys.argv[2]})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "dist"), str(DATA)],
        cwd=crate,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "locks pyo3 0.22.6, which supports CPython up to 3.13" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cargo-ran").exists() and not (crate / "target").exists()
