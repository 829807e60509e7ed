"""What the running interpreter says: the machine a native build is for, its module search path,
crossenv's target file, and where maturin is installed. The one module that reads the host's
``sys`` and ``sysconfig``.

Never through ``sysconfig.get_config_vars()``: it imports the module ``_PYTHON_SYSCONFIGDATA_NAME``
names (Yocto, Buildroot and crossenv export it), or one with the host's own name, from anywhere on
``sys.path``, the working folder first under ``python -m``; that would run a target's file."""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from pathlib import Path

from maturin_cross.errors import BuildError, ConfigError
from maturin_cross.settings.origin import Kind, Origin, Sourced
from maturin_cross.target import sysconfigdata
from maturin_cross.target.resolve import Target, resolve
from maturin_cross.target.sysconfigdata import SysconfigData

CROSSENV = Origin(Kind.CONVENTION, "crossenv (sys.cross_compiling)")
CROSSENV_PLATFORM = Origin(Kind.CONVENTION, "sysconfig.get_platform() of crossenv")
HOST = Origin(Kind.HOST, "the running interpreter")


def host_target(platform_tag: Sourced | None = None) -> Target:
    """The machine this runs on, from the running interpreter: what a native build is checked
    against. A ``platform_tag`` setting is honoured and checked as on a cross build; without one
    the interpreter's platform is the tag, as it is."""
    data = host_config_vars()
    host = Sourced(sysconfig.get_platform(), Origin(Kind.HOST, "sysconfig.get_platform()"))
    return resolve(data, platform_tag=platform_tag or host)


def host_config_vars() -> SysconfigData:
    """The running interpreter's build-time variables: its own sysconfigdata, found in its
    standard library by the name its build gave it and parsed as a target's is; where there is
    none to parse (PyPy's is code), what the interpreter itself says."""
    # os.py sits in the standard library's folder (sysconfig is a package there since 3.13).
    stdlib = getattr(os, "__file__", None)
    parsed = stdlib_config_vars(Path(stdlib).parent) if stdlib else None
    return parsed or interpreter_config_vars()


def stdlib_config_vars(stdlib: Path) -> SysconfigData | None:
    """The sysconfigdata in ``stdlib`` under CPython's name for this interpreter's
    (``_sysconfigdata_{abiflags}_{platform}_{multiarch}``) or Debian's (without the platform),
    parsed; None when there is none or it cannot be read without running it."""
    multiarch = getattr(sys.implementation, "_multiarch", "")
    for stem in (
        f"{sysconfigdata.PREFIX}_{sys.abiflags}_{sys.platform}_{multiarch}",
        f"{sysconfigdata.PREFIX}_{sys.abiflags}_{multiarch}",
    ):
        path = stdlib / f"{stem}.py"
        if path.is_file():
            try:
                return sysconfigdata.parse(path, HOST)
            except ConfigError:
                return None
    return None


def interpreter_config_vars() -> SysconfigData:
    """What the interpreter knows of its own build, as sysconfigdata variables: version, ABI
    flags, the extension suffix it loads (``importlib.machinery.EXTENSION_SUFFIXES``), its
    multiarch and pointer size."""
    import importlib.machinery
    import struct

    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    vars: dict[str, object] = {
        "VERSION": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "ABIFLAGS": sys.abiflags,
        "EXT_SUFFIX": suffix,
        "SIZEOF_VOID_P": struct.calcsize("P"),
        "Py_GIL_DISABLED": 1 if "t" in sys.abiflags else 0,
    }
    multiarch = getattr(sys.implementation, "_multiarch", "")
    if multiarch:
        vars["MULTIARCH"] = multiarch
    return SysconfigData.of(vars, sys.executable, HOST)


def host_module_path() -> tuple[str, ...]:
    """Where this interpreter finds modules (``sys.path``), each entry absolute: a target's
    sysconfigdata named by ``_PYTHON_SYSCONFIGDATA_NAME`` is looked for there."""
    return tuple(
        os.path.abspath(entry or os.curdir) for entry in sys.path if isinstance(entry, str)
    )


def host_cross_sysconfigdata() -> Sourced | None:
    """The target's sysconfigdata when this interpreter is a crossenv cross-python: crossenv
    sets ``sys.cross_compiling`` and removes ``_PYTHON_SYSCONFIGDATA_NAME`` from the environment
    as it starts, so the file is found where its patched ``sysconfig`` finds it. The file is
    still parsed, never imported here, and a dotted name (whose package finding it would
    import) is refused."""
    import importlib.util

    if not getattr(sys, "cross_compiling", False):
        return None
    name_of = getattr(sysconfig, "_get_sysconfigdata_name", None)
    name = name_of() if callable(name_of) else None
    if not isinstance(name, str):
        return None
    spec = importlib.util.find_spec(
        sysconfigdata.module_name(name, "crossenv's sysconfigdata name")
    )
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
