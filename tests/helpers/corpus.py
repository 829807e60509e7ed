"""The corpus of tests/integration/test_corpus.py: wheels, each holding one real extension module
cross-compiled from a few lines of C against the target Python's own headers in the sysroot,
correct or broken in one way the static proof or the target's loader should see.

Each case is a :class:`Case`: how its module is compiled and linked (stub libraries made here
stand in at link time for what the sysroot lacks), where it goes in the wheel, and what the
static proof and the loader are each expected to say. The wheels are made by
:func:`make_corpus` once per session; the test compares the two verdicts.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from wheelmaker import make_wheel

MODULE = """\
#include <Python.h>
{decls}
static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "_m", NULL, -1, NULL}};
PyMODINIT_FUNC {init}(void) {{
    PyObject *module = PyModule_Create(&def);
    {body}
    return module;
}}
"""


@dataclass(frozen=True)
class Arch:
    """A target the corpus is made for."""

    name: str
    """Debian's name (armhf)."""
    sysroot: Path
    multiarch: str
    cc: str
    platform_tag: str
    other_cc: str
    """A compiler for another machine: the wrong-machine case."""
    soft_float_cc: str | None = None
    """ARM hard-float targets: a soft-float compiler (the wrong-float-ABI case)."""


@dataclass(frozen=True)
class Case:
    """One wheel of the corpus."""

    name: str
    static_ok: bool
    """What the static proof should say: the wheel loads."""
    loader_ok: bool
    """What the target's loader says under qemu."""
    why_they_differ: str = ""
    """Where the two verdicts differ by design: what qemu cannot see."""
    decls: str = ""
    body: str = ""
    init: str = "PyInit__m"
    cflags: tuple[str, ...] = ()
    stubs: tuple[str, ...] = ()
    """Stub libraries the module is linked against (:data:`STUBS`); never in the wheel."""
    compiler: str = "cc"
    """``cc``, ``other`` or ``soft``: which of :class:`Arch`'s compilers."""
    suffix: str | None = None
    """The module's file-name suffix; None: the target's own."""
    abi3: bool = False
    arches: tuple[str, ...] = ()
    """Only for these architectures; empty: for all."""
    tags: dict[str, str] = field(default_factory=dict)


STUBS = {
    # A library the sysroot lacks altogether.
    "libnothere.so.1": ("void nothere_hello(void) {}", None),
    # The sysroot's real libz.so.1 stands in at run time, without this function.
    "libz.so.1": ("void zlib_has_no_such_function(void) {}", None),
    # A libc.so.6 defining a version the target's glibc (2.36) does not.
    "libc.so.6": ("void libc_from_the_future(void) {}", "GLIBC_2.99"),
}

CASES = (
    Case("good", True, True),
    Case("good-abi3", True, True, abi3=True, cflags=("-DPy_LIMITED_API=0x030b0000",)),
    Case(
        "undefined-c-api",
        False,
        False,
        decls="int PyObject_GetOptionalAttr(PyObject *, PyObject *, PyObject **);",
        body="PyObject_GetOptionalAttr(module, module, NULL);",
    ),
    Case(
        "undefined-library-symbol",
        False,
        False,
        decls="void zlib_has_no_such_function(void);",
        body="zlib_has_no_such_function();",
        stubs=("libz.so.1",),
    ),
    Case(
        "missing-library",
        False,
        False,
        decls="void nothere_hello(void);",
        body="nothere_hello();",
        stubs=("libnothere.so.1",),
    ),
    Case(
        "symbol-version-too-new",
        False,
        False,
        decls="void libc_from_the_future(void);",
        body="libc_from_the_future();",
        stubs=("libc.so.6",),
    ),
    Case("wrong-machine", False, False, compiler="other"),
    Case("wrong-float-abi", False, False, compiler="soft", arches=("armhf",)),
    Case(
        "isa-neon",
        False,
        True,
        why_they_differ="qemu-arm emulates a processor with NEON; Debian armhf's baseline has none",
        cflags=("-march=armv7-a", "-mfpu=neon"),
        arches=("armhf",),
    ),
    Case(
        "isa-vfpv3-d16", True, True, cflags=("-march=armv7-a", "-mfpu=vfpv3-d16"), arches=("armhf",)
    ),
    Case("bad-suffix", False, False, suffix=".cpython-311-x86_64-linux-gnu.so"),
    Case("no-pyinit", False, False, init="PyInit_other"),
)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")


def _stub(arch: Arch, name: str, folder: Path) -> Path:
    source, version = STUBS[name]
    out = folder / name
    if out.exists():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.c").write_text(source + "\n")
    cmd = [arch.cc, "-shared", "-fPIC", "-nostdlib", f"-Wl,-soname,{name}", "-o", str(out)]
    if version:
        script = folder / f"{name}.map"
        script.write_text(f"{version} {{ global: *; }};\n")
        cmd.append(f"-Wl,--version-script={script}")
    _run([*cmd, str(folder / f"{name}.c")])
    return out


def _compiler(arch: Arch, case: Case) -> str:
    if case.compiler == "other":
        return arch.other_cc
    if case.compiler == "soft":
        assert arch.soft_float_cc is not None
        return arch.soft_float_cc
    return arch.cc


def build_module(arch: Arch, case: Case, folder: Path) -> Path:
    """The case's module, compiled against the sysroot's Python headers; no C library linked
    (a module needs none of its own: the interpreter has it)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{case.name}.c"
    if case.compiler == "cc":
        source.write_text(MODULE.format(decls=case.decls, body=case.body, init=case.init))
    else:  # another machine's compiler has no headers for this one: a module without them
        source.write_text(f"void *{case.init}(void) {{ return 0; }}\n")
    include = arch.sysroot / "usr" / "include"
    out = folder / f"{case.name}.so"
    stubs = [str(_stub(arch, name, folder / "stubs")) for name in case.stubs]
    sysroot = [f"--sysroot={arch.sysroot}"] if case.compiler == "cc" else []
    _run(
        [
            _compiler(arch, case),
            "-shared",
            "-fPIC",
            "-O2",
            "-nostdlib",
            *sysroot,
            "-I",
            str(include / "python3.11"),
            *case.cflags,
            "-o",
            str(out),
            str(source),
            *stubs,
        ]
    )
    return out


def module_name(arch: Arch, case: Case) -> str:
    if case.suffix is not None:
        return f"cpkg/_m{case.suffix}"
    if case.abi3:
        return "cpkg/_m.abi3.so"
    return f"cpkg/_m.cpython-311-{arch.multiarch}.so"


def make_wheel_for(arch: Arch, case: Case, folder: Path) -> Path:
    """The case's wheel for ``arch``, in a folder of its own."""
    module = build_module(arch, case, folder / "build" / arch.name)
    out = folder / f"{arch.name}-{case.name}"
    out.mkdir(parents=True)
    tag = f"cp311-abi3-{arch.platform_tag}" if case.abi3 else f"cp311-cp311-{arch.platform_tag}"
    return make_wheel(
        out,
        name="cpkg",
        tags=(tag,),
        files={"cpkg/__init__.py": b"", module_name(arch, case): (module.read_bytes(), 0o755)},
    )


def cases_for(arch: str) -> list[Case]:
    """The cases made for the architecture Debian calls ``arch``."""
    return [c for c in CASES if not c.arches or arch in c.arches]
