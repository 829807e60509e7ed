"""What tests of every kind share: where the repository and its test data are, an environment
that names no target, running the command line, and the toolchains and environments the
integration tests provision (the fixtures of tests/conftest.py hand them out).

A test needing a toolchain skips when it cannot be provisioned here, except in CI (``CI=true``),
where that is a failure: a green run that skipped the cross tests proves nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import crosskit
import pytest
from crosskit import CrossToolchain, clean_environ, cli_command

__all__ = [
    "EXAMPLES",
    "FIXTURES",
    "IN_CI",
    "PACKAGES",
    "ROOT",
    "YOCTO_RECIPE",
    "CrossToolchain",
    "OldestRust",
    "clean_environ",
    "clear_target_environ",
    "cli_command",
    "old_maturin",
    "provision",
    "provision_oldest_rust",
    "run_cli",
    "rustc_without_std",
    "unavailable",
    "venv_with",
    "yocto_pyo3_config",
    "yocto_rdepends",
]

ROOT = crosskit.ROOT
"""The repository."""
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
"""Files the tests read (target sysconfigdata, real ELF files), each folder with its README."""
PACKAGES = ROOT / "tests" / "packages"
"""Small projects the tests build."""
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def run_cli(
    args: Iterable[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    check: bool = False,
    python: str | Path | Sequence[str] = sys.executable,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``maturin-cross ARGS`` as a module (crosskit.cli_command), its output captured as
    text; what it exited with is the caller's to check unless ``check``. ``env=None`` is this
    process's environment, as ``subprocess.run`` has it."""
    return subprocess.run(
        cli_command(*args, python=python),
        env=None if env is None else dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def clear_target_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take what names a target out of this process's environment, for a test that calls the
    hooks or the command in-process."""
    for name in set(os.environ) - set(clean_environ()):
        monkeypatch.delenv(name)


def unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing cross toolchain is a failure)", pytrace=False)
    pytest.skip(reason)


def provision(arch: str) -> CrossToolchain:
    """The cross toolchain for ``arch`` (crosskit.provision), or the test skips (fails in CI)."""
    if os.geteuid() != 0 and not IN_CI:
        pytest.skip("provisioning cross toolchains needs root (apt-get, dpkg)")
    try:
        return crosskit.provision(arch)
    except crosskit.ProvisionError as failed:
        unavailable(str(failed))


@dataclass(frozen=True)
class OldestRust:
    """Debian's oldest rustc-web (tools/provision-rust.sh), unpacked beside the host's Rust."""

    bin: Path
    lib: Path

    def env(self) -> dict[str, str]:
        """What makes it the Rust cargo and rustc resolve to, and the only one asked (pinned:
        the name means nothing to a rustc that is not rustup's)."""
        path = os.environ.get("PATH", os.defpath)
        return {
            "PATH": f"{self.bin}{os.pathsep}{path}",
            "LD_LIBRARY_PATH": str(self.lib),
            "RUSTUP_TOOLCHAIN": "debian-oldest",
        }


def provision_oldest_rust() -> OldestRust:
    """Debian's oldest Rust, or the test skips (fails in CI)."""
    if os.geteuid() != 0 and not IN_CI:
        pytest.skip("provisioning a second Rust needs root (apt-get)")
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-rust.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        unavailable(f"cannot provision Debian's oldest Rust: {done.stderr.strip()[-2000:]}")
    bin_dir, lib_dir = done.stdout.split()
    return OldestRust(Path(bin_dir), Path(lib_dir))


def venv_with(folder: Path, pip_install: list[str]) -> Path:
    """A virtual environment in ``folder`` with ``pip install <pip_install>`` done; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *pip_install], check=True)
    return python


_old_maturins: dict[str, Path] = {}


def old_maturin(version: str, tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A virtual environment with maturin ``version``, maturin-cross and build: its python runs
    the backend with that maturin."""
    if version in _old_maturins:
        return _old_maturins[version]
    python = venv_with(
        tmp_path_factory.mktemp(f"maturin-{version}"),
        ["--find-links", str(wheelhouse), f"maturin=={version}", "maturin-cross", "build"],
    )
    said = subprocess.run(
        [str(python), "-m", "maturin", "--version"], capture_output=True, text=True, check=True
    )
    assert said.stdout.strip() == f"maturin {version}"
    _old_maturins[version] = python
    return python


def yocto_pyo3_config(toolchain: CrossToolchain, folder: Path) -> Path:
    """A PYO3_CONFIG_FILE written the way Yocto's python_pyo3.bbclass writes it: no ext_suffix."""
    path = folder / "pyo3.config"
    path.write_text(
        "implementation=CPython\nversion=3.11\nshared=true\nabi3=false\nlib_name=python3.11\n"
        f"lib_dir={toolchain.sysroot}/usr/lib\npointer_width=32\nbuild_flags=WITH_THREAD\n"
        "suppress_build_script_link_lines=false\n"
    )
    return path


YOCTO_RECIPE = (
    ROOT / "contrib" / "yocto" / "recipes-devtools" / "python" / "python3-maturin-cross_0.1.0.bb"
)


def yocto_rdepends() -> list[str]:
    """RDEPENDS:${PN} of the layer's python3-maturin-cross recipe."""
    text = YOCTO_RECIPE.read_text().replace("\\\n", " ")
    (value,) = re.findall(r'^RDEPENDS:\$\{PN\}\s*=\s*"([^"]*)"', text, re.M)
    return [str(word) for word in value.split()]


def rustc_without_std(folder: Path) -> dict[str, str]:
    """Environment for a Rust toolchain that has neither a standard library nor the sources to
    build one for any foreign target, on any machine: the real rustc answers every question but
    ``--print sysroot``, which names an empty folder (rustup's minimal profile is such a
    toolchain, but a machine may not have rustup at all). Pinned, so no other toolchain is asked."""
    real = subprocess.run(
        ["rustc", "--print", "sysroot"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_environ(),
    ).stdout.strip()
    empty = folder / "empty-sysroot"
    (empty / "lib" / "rustlib").mkdir(parents=True)
    stub = folder / "bin" / "rustc"
    stub.parent.mkdir(parents=True)
    stub.write_text(
        "#!/bin/sh\n"
        f'[ "$*" = "--print sysroot" ] && {{ echo "{empty}"; exit 0; }}\n'
        f'exec "{real}/bin/rustc" "$@"\n'
    )
    stub.chmod(0o755)
    path = os.environ.get("PATH", os.defpath)
    return {"PATH": f"{stub.parent}{os.pathsep}{path}", "RUSTUP_TOOLCHAIN": "without-std"}
