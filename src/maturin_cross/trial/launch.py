"""Trying wheels on their target: install them into a scratch folder, find qemu on this host,
run the target's own Python and read what it said. The decisions are
:mod:`maturin_cross.trial.prepare`'s.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from maturin_cross.checks import linkage
from maturin_cross.errors import TrialUnavailable, WheelError
from maturin_cross.support.processes import execute, log
from maturin_cross.target.resolve import Target
from maturin_cross.target.sysroot import Sysroot, target_library_dirs
from maturin_cross.trial import prepare

TIMEOUT = 600.0
"""Seconds the target's Python may take: qemu is slow, a hang is not."""


def host_qemu(target: Target) -> str:
    programs = prepare.qemu_programs(target.elf)
    for program in programs:
        found = shutil.which(program)
        if found:
            return found
    raise TrialUnavailable(
        f"neither {' nor '.join(programs)} is installed, so the wheel cannot be tried on "
        f"{target.rust_target} here; install qemu-user-static (Debian, Ubuntu) or qemu-user"
    )


def _host_machine() -> linkage.Dynamic | None:
    """What kind of machine this is, read from the running interpreter's own ELF header."""
    try:
        with open("/proc/self/exe", "rb") as stream:
            return linkage.read_dynamic(stream, "/proc/self/exe")
    except (OSError, WheelError):
        return None


def runner(target: Target, sysroot: Sysroot, python: str) -> tuple[tuple[str, ...], str]:
    """What runs the target's programs here, and how that is said: the sysroot's loader where
    this machine runs them itself (x86-64, i386 on x86-64), qemu-user otherwise."""
    host = _host_machine()
    if host is not None and prepare.runs_natively(target.elf, host.kind):
        with sysroot.host_path(python).open("rb") as stream:
            loader = linkage.read_dynamic(stream, python).interpreter
        if loader and sysroot.host_path(loader).is_file():
            log(f"{target.rust_target} runs on this machine: the sysroot's {loader}, no qemu")
            dirs = target_library_dirs(sysroot, target)
            machine = prepare.personality(target.elf)
            setarch = shutil.which("setarch") if machine else None
            if machine and not setarch:
                log("setarch (util-linux) is not installed: the target sees this machine's uname")
            shown = (setarch, machine) if setarch and machine else ()
            return prepare.native_prefix(sysroot, loader, dirs, shown), "natively"
    return (host_qemu(target), "-L", str(sysroot.root)), "under qemu"


def _install(wheel: Path, site: Path, scripts: Path, interpreter: str) -> list[str]:
    """Install ``wheel`` as pip would (RECORD checked); return its member names."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.exceptions import InstallerError
    from installer.sources import WheelFile

    destination = SchemeDictionaryDestination(
        {
            "purelib": str(site),
            "platlib": str(site),
            "scripts": str(scripts),
            "data": str(site.parent / "data"),
            "headers": str(site.parent / "include"),
        },
        interpreter=interpreter,
        script_kind="posix",
    )
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
        with WheelFile.open(wheel) as source:
            install(source, destination, {"INSTALLER": b"maturin-cross test\n"})
    except (InstallerError, zipfile.BadZipFile, ValueError, KeyError, OSError) as err:
        raise WheelError(f"{wheel}: cannot be installed ({err}); rebuild it") from None
    return names


def _clean_python_env(environ: Mapping[str, str], site: Path) -> dict[str, str | None]:
    """The host's Python settings would reach the target's Python through qemu: remove them."""
    delta: dict[str, str | None] = {
        key: None
        for key in environ
        if key.startswith(("PYTHON", "_PYTHON_", "VIRTUAL_ENV", "LD_PRELOAD", "LD_LIBRARY_PATH"))
    }
    delta.update({"PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    return delta


def try_wheels(
    wheels: Sequence[Path],
    target: Target,
    sysroot: Sysroot,
    environ: Mapping[str, str],
    *,
    command: str | None = None,
    with_wheels: Sequence[Path] = (),
    runs: Sequence[str] = (),
) -> prepare.Outcome:
    """Install ``with_wheels`` and ``wheels``, import every extension module of ``wheels`` in the
    target's Python under qemu, run ``command``, then each program command line of ``runs``."""
    if target.python is None:
        raise TrialUnavailable(
            f"the target {target.rust_target} names no Python version; pass its sysconfigdata"
        )
    python = prepare.find_python(sysroot, target.python)
    run, how = runner(target, sysroot, python)
    scratch = Path(tempfile.mkdtemp(prefix="maturin-cross-test-"))
    try:
        site, scripts, run_in = scratch / "site", scratch / "bin", scratch / "run"
        for folder in (site, scripts, run_in):
            folder.mkdir()
        for extra in with_wheels:
            _install(extra, site, scripts, python)
        modules: list[str] = []
        for wheel in wheels:
            modules += prepare.extension_modules(_install(wheel, site, scripts, python))
        programs = [program.name for program in scripts.iterdir()]
        argvs = [prepare.program_run(text, programs) for text in runs]
        if not modules:
            log("the wheels hold no extension module; running the command only")
        env = _clean_python_env(environ, site)
        code, out, err = execute(
            [
                *run,
                str(sysroot.host_path(python)),
                "-c",
                prepare.import_script(modules, command),
            ],
            env_delta=env,
            cwd=run_in,
            timeout=TIMEOUT,
        )
        for argv in argvs if code == 0 else ():
            # The program is the target's: run as its Python is, the sysroot its library root.
            log(f"running {' '.join(argv)} on the target")
            code, ran_out, ran_err = execute(
                [*run, str(scripts / argv[0]), *argv[1:]],
                env_delta=env,
                cwd=run_in,
                timeout=TIMEOUT,
            )
            out += ran_out
            err += ran_err + (f"{argv[0]} exited with {code}\n" if code else "")
            if code:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    imported = tuple(line.split()[-1] for line in out.splitlines() if line.startswith(prepare.MARK))
    said = "".join(line + "\n" for line in out.splitlines() if not line.startswith(prepare.MARK))
    return prepare.Outcome(0 if code == 0 else 1, imported, said, err, how)
