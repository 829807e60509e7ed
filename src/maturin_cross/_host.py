"""What the running interpreter says: the machine a native build is for, crossenv's target file,
and where maturin is installed. The one module that reads the host's ``sys`` and ``sysconfig``."""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from pathlib import Path

from maturin_cross.errors import BuildError
from maturin_cross.settings import Kind, Origin, Sourced
from maturin_cross.sysconfigdata import SysconfigData
from maturin_cross.target import Target, resolve

CROSSENV = Origin(Kind.CONVENTION, "crossenv (sys.cross_compiling)")
CROSSENV_PLATFORM = Origin(Kind.CONVENTION, "sysconfig.get_platform() of crossenv")


def host_target() -> Target:
    """The machine this runs on, from the running interpreter: what a native build is checked
    against."""
    data = SysconfigData.of(sysconfig.get_config_vars(), "the running interpreter")
    return resolve(data, platform_tag=(sysconfig.get_platform(), "sysconfig.get_platform()"))


def host_cross_sysconfigdata() -> Sourced | None:
    """The target's sysconfigdata when this interpreter is a crossenv cross-python: crossenv
    sets ``sys.cross_compiling`` and removes ``_PYTHON_SYSCONFIGDATA_NAME`` from the environment
    as it starts, so the file is found where its patched ``sysconfig`` finds it. The file is
    still parsed, never imported here."""
    import importlib.util

    if not getattr(sys, "cross_compiling", False):
        return None
    name_of = getattr(sysconfig, "_get_sysconfigdata_name", None)
    name = name_of() if callable(name_of) else None
    spec = importlib.util.find_spec(name) if isinstance(name, str) else None
    if spec is None or spec.origin is None:
        return None
    return Sourced(spec.origin, CROSSENV)


def host_cross_platform() -> Sourced:
    """crossenv's ``sysconfig.get_platform()``: the target's platform, as crossenv patches it."""
    return Sourced(sysconfig.get_platform(), CROSSENV_PLATFORM)


def host_python() -> str:
    return sys.executable


@functools.cache
def maturin_program() -> tuple[str, ...]:
    """maturin's program as its installed files name it: ``python -m maturin`` looks in
    sysconfig's script folder, which a crossenv cross-python points at the target side."""
    from importlib import metadata

    try:
        distribution = metadata.distribution("maturin")
    except metadata.PackageNotFoundError:
        raise BuildError(
            "maturin is not installed for this Python; install it (pip install maturin)"
        ) from None
    for file in distribution.files or ():
        if file.name == "maturin" and "bin" in file.parts:
            program = Path(str(distribution.locate_file(file))).resolve()
            if program.is_file() and os.access(program, os.X_OK):
                return (str(program),)
    return (sys.executable, "-m", "maturin")
