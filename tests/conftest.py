"""Shared fixtures: real cross toolchains (provisioned from Debian's packages by
tools/provision-cross.sh, cached between runs), a wheel of maturin-cross itself for isolated
builds, and the target's Python under qemu.

A test that needs a toolchain skips when it cannot be provisioned here, except in CI
(``CI=true``), where that is a failure: a green run that skipped the cross tests proves nothing.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cross_arches import ARCHES, DOOR_ARCHES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The provisioning cache's earlier name is in the product's settings namespace, where the product
# refuses it: take it as the cache, and keep it from every process the tests start.
if "MATURIN_CROSS_CACHE" in os.environ:
    os.environ.setdefault("CROSS_PROVISION_CACHE", os.environ["MATURIN_CROSS_CACHE"])
    del os.environ["MATURIN_CROSS_CACHE"]


def names_a_target(name: str) -> bool:
    """Environment variables that name a target, or change how one is found or built: a test
    starts without them (CI, or the developer's shell, may have set any)."""
    return name.startswith(
        ("MATURIN_CROSS_", "PYO3_", "_PYTHON_", "CARGO_BUILD_", "CARGO_TARGET_", "PYTHON")
    ) or name in ("RUSTUP_TOOLCHAIN", "MATURIN_PEP517_ARGS")


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without what names a target, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not names_a_target(k)}
    env.update(extra)
    return env


def clear_target_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take what names a target out of this process's environment, for a test that calls the
    hooks or the command in-process."""
    for name in set(os.environ) - set(clean_environ()):
        monkeypatch.delenv(name)


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
    std: str
    """How the target's Rust standard library is had: ``prebuilt`` or ``build-std``."""

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
        done = self.try_python(code, pythonpath)
        assert done.returncode == 0, f"target python failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def try_python(
        self, code: str, pythonpath: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [self.qemu, "-L", str(self.sysroot)]
        if pythonpath is not None:
            cmd += ["-E", f"PYTHONPATH={pythonpath}"]
        cmd += [str(self.python), "-c", code]
        # cwd=/: `-c` puts the working folder first on sys.path, and it must hold no package.
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=300, check=False, cwd="/"
        )
        return done


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
    toolchain = CrossToolchain(line[0], Path(line[1]), line[2], line[3], line[4], line[5])
    for tool in (toolchain.linker, toolchain.qemu):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not on PATH after provisioning {arch}")
    _provisioned[arch] = toolchain
    return toolchain


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


@pytest.fixture(scope="session")
def oldest_rust() -> OldestRust:
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
def self_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a wheel of maturin-cross itself, for isolated builds (PIP_FIND_LINKS)."""
    out = tmp_path_factory.mktemp("self-wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    return out


def yocto_pyo3_config(toolchain: CrossToolchain, folder: Path) -> Path:
    """A PYO3_CONFIG_FILE written the way Yocto's python_pyo3.bbclass writes it: no ext_suffix."""
    path = folder / "pyo3.config"
    path.write_text(
        "implementation=CPython\nversion=3.11\nshared=true\nabi3=false\nlib_name=python3.11\n"
        f"lib_dir={toolchain.sysroot}/usr/lib\npointer_width=32\nbuild_flags=WITH_THREAD\n"
        "suppress_build_script_link_lines=false\n"
    )
    return path


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


YOCTO_RECIPE = (
    ROOT / "contrib" / "yocto" / "recipes-devtools" / "python" / "python3-maturin-cross_0.1.0.bb"
)


def yocto_rdepends() -> list[str]:
    """RDEPENDS:${PN} of the layer's python3-maturin-cross recipe."""
    text = YOCTO_RECIPE.read_text().replace("\\\n", " ")
    (value,) = re.findall(r'^RDEPENDS:\$\{PN\}\s*=\s*"([^"]*)"', text, re.M)
    return [str(word) for word in value.split()]


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
