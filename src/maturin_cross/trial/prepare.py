"""A wheel tried on its target: installed into a folder, then imported by the target's own Python,
run under qemu-user with the sysroot as its library root.

Pure: this module decides the program, the modules and the script;
:func:`maturin_cross.trial.launch.try_wheels` installs and runs them.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from maturin_cross.errors import TrialUnavailable, UsageError
from maturin_cross.target import arches
from maturin_cross.target.arches import ElfFacts
from maturin_cross.target.resolve import PythonABI
from maturin_cross.target.sysroot import Sysroot


def qemu_machine(facts: ElfFacts) -> str:
    """qemu-user's name for the machine a target's binaries run on."""
    name = arches.qemu_machine(facts)
    if name is not None:
        return name
    raise TrialUnavailable(
        f"qemu-user has no emulator for {facts.describe()}; run the test on the device"
    )


def qemu_programs(facts: ElfFacts) -> tuple[str, ...]:
    """The programs to look for, Debian's static one first."""
    qemu_machine(facts)  # raises when there is none
    return arches.qemu_programs(facts)


def runs_natively(target: ElfFacts, host: ElfFacts) -> bool:
    """Whether this machine runs the target's programs itself, without qemu: the same kind of
    machine, or 32-bit x86 on x86-64."""
    return target == host or (
        (target.machine, target.bits, host.machine) == ("EM_386", 32, "EM_X86_64")
    )


def personality(target: ElfFacts) -> str | None:
    """The machine a natively run target must be shown (``setarch``'s name for it), so that it
    sees what a system of its own would: ``uname -m`` is i686 for 32-bit x86, as under qemu and
    in a Debian i386 chroot, not this machine's x86_64."""
    return "i686" if target.machine == "EM_386" else None


def native_prefix(
    sysroot: Sysroot, loader: str, library_dirs: Sequence[str], setarch: Sequence[str] = ()
) -> tuple[str, ...]:
    """How a target program runs natively: ``setarch`` (its program and machine) if given, then
    the sysroot's own dynamic loader, which looks for libraries in the sysroot's folders only
    (not in this machine's cache)."""
    return (
        *setarch,
        str(sysroot.host_path(loader)),
        "--inhibit-cache",
        "--library-path",
        ":".join(str(sysroot.host_path(folder)) for folder in library_dirs),
    )


def python_paths(python: PythonABI) -> tuple[str, ...]:
    """Where a target Python of this version and ABI is, as target paths, most exact first."""
    free = "t" if python.free_threaded else ""
    return (
        f"/usr/bin/python{python.version_text}{free}",
        f"/usr/local/bin/python{python.version_text}{free}",
    )


def find_python(sysroot: Sysroot, python: PythonABI) -> str:
    for path in python_paths(python):
        if sysroot.host_path(path).is_file():
            return path
    listed = " or ".join(python_paths(python))
    raise TrialUnavailable(
        f"{sysroot.root} has no target Python {python.version_text} ({listed}); install "
        f"the target's python{python.version_text} into the sysroot (Debian: "
        f"python{python.version_text}; Yocto: python3 in the image)"
    )


def extension_modules(members: Iterable[str]) -> list[str]:
    """Dotted names of the extension modules among a wheel's members: ``pkg/_core.cpython-311-
    arm-linux-gnueabihf.so`` is ``pkg._core``. Bundled libraries (``pkg.libs/libz-1a2b.so``) are
    not modules: their folder is no package name."""
    modules = []
    for member in members:
        path = PurePosixPath(member)
        if path.suffix != ".so":
            continue
        if path.parts and path.parts[0].endswith(".data"):
            if len(path.parts) < 3 or path.parts[1] not in ("platlib", "purelib"):
                continue
            path = PurePosixPath(*path.parts[2:])
        stem = path.name.split(".", 1)[0]
        parts = [*path.parent.parts, stem]
        if all(part.isidentifier() for part in parts):
            modules.append(".".join(parts))
    return sorted(set(modules))


def program_run(text: str, programs: Iterable[str]) -> tuple[str, ...]:
    """``--run 'just --version'``: the command line of a program the wheels install (a
    ``bindings = "bin"`` wheel's ``NAME.data/scripts/``), split as a shell would."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as err:
        raise UsageError(f"--run {text!r}: {err}; quote it as a shell would") from None
    known = sorted(set(programs))
    if not argv or argv[0] not in known:
        named = repr(argv[0]) if argv else "no program"
        listed = ", ".join(known) or "none"
        raise UsageError(
            f"--run {text!r} names {named}, which the wheels do not install (their programs: "
            f"{listed}); name one of them"
        )
    return argv


MARK = "maturin-cross-test:"


def import_script(modules: Sequence[str], command: str | None) -> str:
    """The code the target's Python runs: import each module (every failure is reported, the
    target's own error in its own words), then ``command``."""
    return (
        "import importlib, sys, traceback\n"
        f"modules = {json.dumps(list(modules))}\n"
        "failed = 0\n"
        "for name in modules:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        f"        print({MARK!r}, 'imported', name, flush=True)\n"
        "    except BaseException as err:\n"
        "        failed += 1\n"
        "        print(f'{name}: {type(err).__name__}: {err}', file=sys.stderr, flush=True)\n"
        "if failed:\n"
        "    sys.exit(1)\n"
        + (
            f"exec(compile({command!r}, '--command', 'exec'), {{'__name__': '__main__'}})\n"
            if command
            else ""
        )
    )


@dataclass(frozen=True)
class Outcome:
    """What the target said, and the exit code it means for the command line."""

    exit_code: int
    imported: tuple[str, ...]
    stdout: str
    """What the target printed, less the import reports."""
    stderr: str
    how: str = "under qemu"
    """How the target's programs ran: ``under qemu`` or ``natively``."""
