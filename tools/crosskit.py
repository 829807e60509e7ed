"""A real cross toolchain for one Debian architecture, as tools/provision-cross.sh provisions it:
its sysroot, the target's sysconfigdata and linker, and the target's own Python under qemu.

One module for everything that builds for a real target: the demo (tools/demo.py), the
real-package matrix (tools/realworld.py) and the cross tests (tests/conftest.py, which finds it
on the path pytest is given). It needs nothing but the standard library: what a missing toolchain
means (a skip, a failed test, a failed step) is for its caller to say.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository."""


def cli_command(
    *args: str | Path, python: str | Path | Sequence[str] = sys.executable
) -> list[str]:
    """The command line that runs ``maturin-cross ARGS`` as a module: in this process's Python,
    or in ``python`` (a path, or an interpreter's command line with its options)."""
    interpreter = [str(python)] if isinstance(python, (str, Path)) else list(python)
    return [*interpreter, "-m", "maturin_cross", *(str(arg) for arg in args)]


class ProvisionError(Exception):
    """The toolchain for an architecture could not be had; the message says why."""


def names_a_target(name: str) -> bool:
    """Environment variables that name a target, or change how one is found or built: a build
    starts without them (CI, or the developer's shell, may have set any)."""
    return name.startswith(
        ("MATURIN_CROSS_", "PYO3_", "_PYTHON_", "CARGO_BUILD_", "CARGO_TARGET_", "PYTHON")
    ) or name in ("RUSTUP_TOOLCHAIN", "MATURIN_PEP517_ARGS")


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without what names a target, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not names_a_target(k)}
    env.update(extra)
    return env


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
    release: str = "bookworm"
    """The Debian release the sysroot is made from."""
    version: str = "3.11"
    """The target's Python, ``3.X``."""

    @property
    def spec(self) -> str:
        """What tools/provision-cross.sh was asked for: ``arm64``, ``arm64@sid/3.14``."""
        return spec_of(self.arch, self.release, self.version)

    @property
    def python(self) -> Path:
        return self.sysroot / "usr" / "bin" / f"python{self.version}"

    @property
    def sysconfigdata(self) -> Path:
        """The target Python's sysconfigdata file: the one real file of that name in the sysroot
        (Debian also links it under other names)."""
        folder = self.sysroot / "usr" / "lib" / f"python{self.version}"
        found = sorted(folder.glob("_sysconfigdata__*.py"))
        real = [p for p in found if not p.is_symlink()]
        if len(real) != 1:
            raise ProvisionError(f"{self.arch}: not one real sysconfigdata file in {found}")
        return real[0]

    @property
    def linker_env(self) -> dict[str, str]:
        """The variable cargo reads the target's linker from."""
        key = "CARGO_TARGET_" + self.rust_target.upper().replace("-", "_") + "_LINKER"
        return {key: self.linker}

    def build_env(self) -> dict[str, str]:
        """What a user sets for any cross build: the target's sysconfigdata and its linker."""
        return {"MATURIN_CROSS_SYSCONFIGDATA": str(self.sysconfigdata), **self.linker_env}

    def python_command(self, code: str, pythonpath: Path | None = None) -> list[str]:
        """The command that runs ``code`` in the target's own Python under qemu."""
        cmd = [self.qemu, "-L", str(self.sysroot)]
        if pythonpath is not None:
            cmd += ["-E", f"PYTHONPATH={pythonpath}"]
        return [*cmd, str(self.python), "-c", code]

    def run_python(self, code: str, pythonpath: Path | None = None) -> str:
        """Run ``code`` in the target's own Python under qemu; return its stdout."""
        done = self.try_python(code, pythonpath)
        assert done.returncode == 0, f"target python failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def try_python(
        self, code: str, pythonpath: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in the target's own Python under qemu, whatever it exits with."""
        # cwd=/: `-c` puts the working folder first on sys.path, and it must hold no package.
        return subprocess.run(
            self.python_command(code, pythonpath),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd="/",
        )


def default_release(arch: str) -> tuple[str, str]:
    """The release and Python of ``arch``'s sysroot when none is named, as
    tools/provision-cross.sh chooses them: the oldest Debian release known to maturin-cross that
    has the architecture (bookworm, trixie for riscv64), and that release's own Python."""
    from maturin_cross.target.debian import RELEASES

    release = next(r for r in RELEASES.values() if arch in r.arches)
    return release.name, release.pythons[0]


def spec_of(arch: str, release: str, version: str) -> str:
    """How tools/provision-cross.sh is asked for ``arch`` with ``release``'s Python ``version``:
    the bare architecture for its default sysroot, ``ARCH@RELEASE/PYTHON`` otherwise."""
    if (release, version) == default_release(arch):
        return arch
    return f"{arch}@{release}/{version}"


_provisioned: dict[str, CrossToolchain] = {}


def provision(arch: str, *, quiet: bool = True) -> CrossToolchain:
    """The toolchain for ``arch`` (a Debian architecture, or ``ARCH@RELEASE/PYTHON`` for a
    sysroot of another release or Python), provisioned by tools/provision-cross.sh (cached
    there between runs, and here within one process). The script says what it does on stderr:
    kept for the error message when ``quiet``, shown as it comes otherwise. Raises
    ProvisionError."""
    if arch in _provisioned:
        return _provisioned[arch]
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), arch],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        said = (done.stderr or "").strip()[-2000:] or "its words are above"
        raise ProvisionError(f"cannot provision the {arch} cross toolchain: {said}")
    # The script's last line: arch sysroot rust-target linker qemu std release python.
    lines = done.stdout.strip().splitlines()
    fields = lines[-1].split() if lines else []
    if len(fields) != 8:
        raise ProvisionError(f"tools/provision-cross.sh {arch} said {done.stdout!r}")
    toolchain = CrossToolchain(fields[0], Path(fields[1]), *fields[2:])
    for tool in (toolchain.linker, toolchain.qemu):
        if shutil.which(tool) is None:
            raise ProvisionError(f"{tool} is not on PATH after provisioning {arch}")
    _provisioned[arch] = toolchain
    return toolchain
