"""Find a target's ``_sysconfigdata_*.py`` and read it without executing it.

A target sysroot is not trusted code, and it is not code for this machine: the file is parsed
with :mod:`ast` and only literals are evaluated (:func:`ast.literal_eval`). It must be what
CPython's and Yocto's writers make, plain literal assignments, so that the one reading here is
the one CPython gets by running it: the last ``build_time_vars = {...}`` (Yocto's pprint'ed
strings, implicitly concatenated, are literals too). Anything else at the top level is refused.

What the file says is checked before anything uses it (:func:`invalid`, :func:`contradiction`):
the values that become file names, tags and paths are what such values are, and the values
CPython derives from each other (EXT_SUFFIX, SOABI, MULTIARCH, VERSION, ABIFLAGS, the file's
name) agree. A PEP 739 ``build-details.json`` is read and checked by the same rules in
:mod:`maturin_cross.target.build_details`.

Pure: reads files and the environment mapping it is given, never the host interpreter's.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.errors import ConfigError
from maturin_cross.settings.origin import Kind, Origin, Sourced, decide
from maturin_cross.support import files as _files
from maturin_cross.support import text as _text
from maturin_cross.target.soabi import Soabi

PREFIX = "_sysconfigdata"
REQUIRED_KEYS = ("VERSION", "EXT_SUFFIX")
NAME_VARIABLE = "_PYTHON_SYSCONFIGDATA_NAME"

MAX_BYTES = 1 << 20
"""The largest target file read. A sysconfigdata is tens of kilobytes (Debian's, with 972 keys,
43 KB) and a build-details.json one or two: anything larger is not one, and is not read on."""


@dataclass(frozen=True)
class SysconfigData:
    """A target's build-time configuration variables and where they were read from."""

    path: Path
    origin: Origin
    """Which setting or convention named the file (for messages and ``inspect``)."""
    vars: Mapping[str, object]

    @classmethod
    def of(
        cls, vars: Mapping[str, object], path: str, origin: Origin | None = None
    ) -> SysconfigData:
        """Variables held in memory (the running interpreter's, a test's), named ``path``."""
        return cls(Path(path), origin or GIVEN, vars)

    def get_str(self, key: str) -> str | None:
        value = self.vars.get(key)
        return value if isinstance(value, str) else None

    def texts(self, *keys: str) -> list[tuple[str, str]]:
        """``(key, value)`` of each of ``keys`` that is a string, in order."""
        return [(key, text) for key in keys if (text := self.get_str(key)) is not None]

    def flag(self, key: str) -> bool:
        """A configure flag (``Py_ENABLE_SHARED``, ``Py_GIL_DISABLED``): 1 or "1" is set."""
        return self.get_int(key) == 1

    @property
    def soabi(self) -> str | None:
        return self.get_str("SOABI")

    @property
    def ext_suffix(self) -> str | None:
        return self.get_str("EXT_SUFFIX")

    def get_int(self, key: str) -> int | None:
        value = self.vars.get(key)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        text = value.strip() if isinstance(value, str) else ""
        # ASCII digits only ("²".isdigit() is true, and int() refuses it), and few of them.
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
        return None


def parse(path: Path, origin: Origin) -> SysconfigData:
    """Read ``build_time_vars`` from ``path`` as a literal. Never executes the file."""
    try:
        source = _read_bounded(path)
    except OSError as err:
        raise ConfigError(
            f"cannot read sysconfigdata {_text.shown(path)} (from {origin}): {_files.why(err)}; "
            f"point {origin} at the target's _sysconfigdata_*.py"
        ) from None
    question = f"is {origin} pointing at the target's _sysconfigdata_*.py?"
    if source is None:
        raise ConfigError(
            f"{_text.shown(path)}: larger than 1 MiB, which no sysconfigdata is; {question}"
        )
    try:
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        where = f"{_text.shown(path)}:{line}" if line else _text.shown(path)
        said = str(getattr(err, "msg", err)).splitlines() or [""]
        raise ConfigError(
            f"{where}: not a Python file that can be parsed ({err.__class__.__name__}: "
            f"{said[0]}); {question}"
        ) from None
    except (MemoryError, RecursionError) as err:
        # CPython's parser gives up on deep nesting with one of these.
        raise ConfigError(
            f"{_text.shown(path)}: nested too deeply to be read ({err.__class__.__name__}), which "
            f"no "
            f"sysconfigdata is (one flat dict of strings and numbers); {question}"
        ) from None
    node = _last_binding(tree)
    if node is None:
        raise ConfigError(
            f"{_text.shown(path)}: no top-level 'build_time_vars = {{...}}' assignment, so not a "
            f"CPython "
            f"sysconfigdata file (from {origin}); {PASS_THE_TARGETS_OWN}"
        )
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ConfigError(
            f"{_text.shown(path)}:{_first_non_literal(node)}: build_time_vars is not a plain "
            f"literal, and "
            f"maturin-cross "
            f"never executes a target's files; regenerate it as a literal dict "
            f"(e.g. with pprint) or pass another file"
        ) from None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{_text.shown(path)}:{node.lineno}: build_time_vars is {_a(type(value).__name__)}, "
            f"not a dict of "
            f"names (from {origin}); {PASS_THE_TARGETS_OWN}"
        )
    key = next((k for k in value if not isinstance(k, str)), None)
    if key is not None:
        shown = repr(key) if len(repr(key)) <= 60 else f"{repr(key)[:40]}..."
        raise ConfigError(
            f"{_text.shown(path)}:{node.lineno}: build_time_vars is not a dict of names: its key "
            f"{shown} is "
            f"not a string (from {origin}); {PASS_THE_TARGETS_OWN}"
        )
    code = _top_level_code(tree)
    if code is not None:
        touching = any(isinstance(n, ast.Name) and n.id == _BINDING for n in ast.walk(code))
        raise ConfigError(
            f"{_text.shown(path)}:{code.lineno}: top-level code ({_kind(code)}"
            f"{' touching build_time_vars' if touching else ''}) beside build_time_vars; CPython "
            f"runs it when it imports the file, and code can change what build_time_vars holds, "
            f"while maturin-cross reads the file without running it: regenerate the file as "
            f"plain literal assignments (e.g. with pprint) or pass another file"
        )
    missing = [key for key in REQUIRED_KEYS if not isinstance(value.get(key), str)]
    if missing:
        raise ConfigError(
            f"{_text.shown(path)}: build_time_vars has no {' or '.join(missing)} (from {origin}); "
            f"a CPython sysconfigdata always has them: is this the right file?"
        )
    problem = first_problem(value, {}) or _name_contradiction(value, path)
    if problem:
        raise ConfigError(f"{_text.shown(path)}: {problem}")
    return SysconfigData(path, origin, value)


PASS_THE_TARGETS_OWN = "pass the target's own _sysconfigdata_*.py, as its Python installed it"
"""What to do about a file that is no sysconfigdata."""


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes, None when it is larger than :data:`MAX_BYTES` (it is not read on);
    OSError when it cannot be read or is no regular file (a pipe is never waited on)."""
    try:
        return _files.read_regular(path, MAX_BYTES)
    except _files.TooLarge:
        return None


_BINDING = "build_time_vars"

_LITERAL_NODES = (
    ast.Dict,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Load,
)
# What an annotation evaluated at module level may be: names and subscripts, no call.
_ANNOTATION_NODES = (ast.Name, ast.Constant, ast.Subscript, ast.Tuple, ast.Attribute, ast.Load)


def _first_non_literal(node: ast.expr) -> int:
    """The line of the first expression in ``node`` that is not a literal (for the message)."""
    for child in ast.walk(node):
        if not isinstance(child, _LITERAL_NODES):
            return getattr(child, "lineno", node.lineno)
    return node.lineno


def _only(node: ast.expr, kinds: tuple[type[ast.AST], ...]) -> bool:
    return all(isinstance(child, kinds) for child in ast.walk(node))


def _last_binding(tree: ast.Module) -> ast.expr | None:
    """The value of the last top-level ``build_time_vars = ...``: the one CPython keeps."""
    found: ast.expr | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == _BINDING for t in stmt.targets):
                found = stmt.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == _BINDING
            and stmt.value is not None
        ):
            found = stmt.value
    return found


def _top_level_code(tree: ast.Module) -> ast.stmt | None:
    """The first top-level statement that is not a docstring, ``pass``, a ``__future__`` import
    or ``NAME = literal`` (annotated or not): code, which CPython would run."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            continue
        if (
            isinstance(stmt, ast.Assign)
            and all(isinstance(target, ast.Name) for target in stmt.targets)
            and _only(stmt.value, _LITERAL_NODES)
        ):
            continue
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and _only(stmt.annotation, _ANNOTATION_NODES)
            and (stmt.value is None or _only(stmt.value, _LITERAL_NODES))
        ):
            continue
        return stmt
    return None


_KINDS = {
    "Import": "an import",
    "ImportFrom": "an import",
    "Assign": "an assignment",
    "AnnAssign": "an assignment",
    "AugAssign": "an augmented assignment",
    "Delete": "a del",
    "If": "an if block",
    "For": "a for loop",
    "AsyncFor": "a for loop",
    "While": "a while loop",
    "With": "a with block",
    "AsyncWith": "a with block",
    "Try": "a try block",
    "TryStar": "a try block",
    "Match": "a match block",
    "FunctionDef": "a function",
    "AsyncFunctionDef": "a function",
    "ClassDef": "a class",
}


def _kind(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Expr):
        return "a call" if isinstance(stmt.value, ast.Call) else "an expression"
    return _KINDS.get(type(stmt).__name__, "a statement")


# ------------------------------------------------------------------------------------------------
# What a target's values may be, and how CPython makes them agree

VERSION = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})")
"""A Python version as VERSION and build-details.json's language.version hold it: 3.12."""

_WORDS = r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*"
_PATH_TEXT = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]*")

# key -> (pattern, longest value, what a valid value looks like)
_RULES: Mapping[str, tuple[re.Pattern[str], int, str]] = {
    "EXT_SUFFIX": (
        re.compile(r"\.(?:[A-Za-z0-9_-]+\.)*so"),
        128,
        "a file-name ending of ASCII letters, digits, '_' and '-', from a '.' to '.so' "
        "(.cpython-312-arm-linux-gnueabihf.so)",
    ),
    "SOABI": (
        re.compile(f"(?:{_WORDS})?"),
        128,
        "ASCII letters, digits and '_' between single '-' (cpython-312-arm-linux-gnueabihf)",
    ),
    "MULTIARCH": (
        re.compile(f"(?:{_WORDS})?"),
        64,
        "a CPython triplet of ASCII letters, digits and '_' between single '-' "
        "(arm-linux-gnueabihf), or empty",
    ),
    "HOST_GNU_TYPE": (
        re.compile(r"(?:[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*)?"),
        128,
        "a GNU triple of ASCII letters, digits, '_' and '.' between single '-' "
        "(arm-poky-linux-gnueabi)",
    ),
    "VERSION": (VERSION, 7, "MAJOR.MINOR in ASCII digits (3.12)"),
    "ABIFLAGS": (re.compile(r"[a-z]*"), 8, "a few lower-case ASCII letters (t, d), or empty"),
    "LDVERSION": (
        re.compile(r"[0-9]{1,3}\.[0-9]{1,3}[a-z]*"),
        16,
        "VERSION then ABIFLAGS (3.13t)",
    ),
    "LDLIBRARY": (
        re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*"),
        128,
        "one file name of ASCII letters, digits, '_', '-', '+' and '.' (libpython3.12.so)",
    ),
    "LIBDIR": (_PATH_TEXT, 4096, "a path without control characters"),
    "LIBDEST": (_PATH_TEXT, 4096, "a path without control characters"),
    "INCLUDEPY": (_PATH_TEXT, 4096, "a path without control characters"),
    "platform": (
        re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*"),
        64,
        "linux-MACHINE or linux_MACHINE in ASCII letters, digits, '_', '-' and '.' (linux_armv7l)",
    ),
    "module": (
        re.compile(r"[A-Za-z0-9_-]+"),
        128,
        "a module name (ASCII letters, digits, '_' and '-', as in "
        "_sysconfigdata__linux_arm-linux-gnueabihf)",
    ),
}


def invalid(key: str, value: str) -> str | None:
    """What a valid ``key`` looks like, when ``value`` is not one; None when it is. ``key`` is a
    sysconfigdata variable that names a file, folder or tag (EXT_SUFFIX, MULTIARCH, LIBDIR,
    ...), ``platform`` (a platform string from any source) or ``module`` (a module name)."""
    rule = _RULES.get(key)
    if rule is None:
        return None
    pattern, longest, what = rule
    return None if len(value) <= longest and pattern.fullmatch(value) else what


def quoted(value: str) -> str:
    """``value`` for a message, always quoted: :func:`maturin_cross.support.text.quoted`."""
    return _text.quoted(value, longest=60, preview=40)


# The sysconfigdata variables whose values are checked: the rest of _RULES are not variables.
_CHECKED = tuple(key for key in _RULES if key.isupper())


def first_problem(vars: Mapping[str, object], names: Mapping[str, str]) -> str | None:
    """The first value of ``vars`` that is no valid value of its key, else the first
    :func:`contradiction`; ``names`` says how the file names a key (build-details.json)."""
    for key in (*_CHECKED, *names.keys() - _CHECKED):
        value = vars.get(key)
        if isinstance(value, str):
            what = invalid(key, value)
            if what is not None:
                return (
                    f"{names.get(key, key)}={quoted(value)} is not {what}; is this the target's "
                    f"own file, as its Python wrote it?"
                )
    return contradiction(vars, names)


_SAME_BUILD = (
    "CPython builds one from the other, so the file contradicts itself: use the target's own "
    "sysconfigdata, as its Python wrote it"
)


def contradiction(vars: Mapping[str, object], names: Mapping[str, str]) -> str | None:
    """Where values that CPython's configure derives from each other disagree, naming both:
    on Linux EXT_SUFFIX is ``.{SOABI}.so``, SOABI ``cpython-{VERSION without the dot}{ABIFLAGS}``
    and ``-{MULTIARCH}`` unless the triplet is empty (uClibc) or patched out (OpenWrt),
    LDVERSION ``{VERSION}{ABIFLAGS}``, and ABIFLAGS holds ``t`` when Py_GIL_DISABLED is 1.
    Checked only where both values are there; PyPy's SOABI just starts its EXT_SUFFIX."""

    def text(key: str) -> str | None:
        value = vars.get(key)
        return value if isinstance(value, str) else None

    def name(key: str) -> str:
        return names.get(key, key)

    suffix = text("EXT_SUFFIX") or ""
    soabi, version, flags = text("SOABI"), text("VERSION"), text("ABIFLAGS")
    multiarch, ldversion = text("MULTIARCH"), text("LDVERSION")
    if soabi:
        fits = (
            suffix == f".{soabi}.so"
            if soabi.startswith("cpython-")
            else suffix.startswith((f".{soabi}.", f".{soabi}-"))
        )
        if not fits:
            return (
                f"{name('EXT_SUFFIX')} {suffix!r} is not '.' + SOABI + '.so' (SOABI is "
                f"{soabi!r}); {_SAME_BUILD}"
            )
    said = Soabi.from_ext_suffix(suffix)
    if said is not None:
        digits, suffix_flags, tail = said.version_digits, said.abiflags, said.multiarch
        if version is not None and digits != version.replace(".", ""):
            return (
                f"{name('EXT_SUFFIX')} {suffix!r} is for Python {digits[:1]}.{digits[1:]} "
                f"({digits}), but {name('VERSION')} is {version!r}; {_SAME_BUILD}"
            )
        if flags is not None and suffix_flags != flags:
            return (
                f"{name('EXT_SUFFIX')} {suffix!r} has ABI flags {suffix_flags!r}, but ABIFLAGS "
                f"is {flags!r}; {_SAME_BUILD}"
            )
        if tail and multiarch and tail != multiarch:
            return (
                f"{name('EXT_SUFFIX')} {suffix!r} names multiarch {tail}, but MULTIARCH is "
                f"{multiarch!r}; {_SAME_BUILD}"
            )
    if None not in (ldversion, version, flags) and ldversion != f"{version}{flags}":
        return (
            f"LDVERSION {ldversion!r} is not VERSION + ABIFLAGS ({f'{version}{flags}'!r}); "
            f"{_SAME_BUILD}"
        )
    gil = vars.get("Py_GIL_DISABLED")
    if flags is not None and gil in (0, 1) and (gil == 1) != ("t" in flags):
        has = "has no" if gil == 1 else "has a"
        return (
            f"Py_GIL_DISABLED is {1 if gil == 1 else 0}, but ABIFLAGS {flags!r} {has} t; "
            f"{_SAME_BUILD}"
        )
    return None


# CPython's name for the file, _sysconfigdata_{ABIFLAGS}_{MACHDEP}_{MULTIARCH}, and Debian's,
# without the MACHDEP; other names (Yocto's copy, PyPy's, conda's) say nothing.
_FILE_NAME = re.compile(r"_sysconfigdata_([dmtu]*)_(?:linux_)?([A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+)?")


def _name_contradiction(vars: Mapping[str, object], path: Path) -> str | None:
    match = _FILE_NAME.fullmatch(path.stem)
    if match is None:
        return None
    flags, multiarch = match.groups()
    said_flags = vars.get("ABIFLAGS")
    named = "CPython names the file after ABIFLAGS and MULTIARCH: is this the target's own file, "
    named += "under its own name?"
    if isinstance(said_flags, str) and said_flags != flags:
        return f"the file name says ABI flags {flags!r}, but ABIFLAGS is {said_flags!r}; {named}"
    said = vars.get("MULTIARCH")
    if multiarch and isinstance(said, str) and said and said != multiarch:
        return f"the file name says multiarch {multiarch}, but MULTIARCH is {said!r}; {named}"
    suffix = str(vars.get("EXT_SUFFIX", ""))
    named_by_suffix = Soabi.from_ext_suffix(suffix)
    tail = named_by_suffix.multiarch if named_by_suffix is not None else None
    if multiarch and not said and tail and tail != multiarch:
        return (
            f"the file name says multiarch {multiarch}, but EXT_SUFFIX {suffix!r} names "
            f"{tail}; {named}"
        )
    return None


# ------------------------------------------------------------------------------------------------
# Finding the file


PYO3_CROSS_LIB_DIR = Origin(Kind.CONVENTION, "PYO3_CROSS_LIB_DIR")
GIVEN = Origin(Kind.DERIVED, "given")
"""The origin of variables handed over in memory (:meth:`SysconfigData.of`)."""
SYSCONFIGDATA_NAME = Origin(Kind.CONVENTION, "_PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH")
SYSCONFIGDATA_NAME_ON_SYS_PATH = Origin(Kind.CONVENTION, "_PYTHON_SYSCONFIGDATA_NAME on sys.path")


def conventions(environ: Mapping[str, str], module_path: Sequence[str] = ()) -> list[Sourced]:
    """What other tools' variables say of the sysconfigdata, lowest precedence first:

    * ``PYO3_CROSS_LIB_DIR``, a folder searched as maturin does (narrowed by
      ``_PYTHON_SYSCONFIGDATA_NAME`` and ``PYO3_CROSS_PYTHON_VERSION``);
    * ``_PYTHON_SYSCONFIGDATA_NAME`` found where Python finds a module (:func:`find_module`):
      Yocto, Buildroot, crossenv.
    """
    found: list[Sourced] = []
    lib_dir = environ.get("PYO3_CROSS_LIB_DIR")
    if lib_dir:
        found.append(Sourced(lib_dir, PYO3_CROSS_LIB_DIR))
    name = environ.get(NAME_VARIABLE)
    if name:
        module = find_module(module_name(name, NAME_VARIABLE), environ, module_path)
        if module is not None:
            found.append(module)
    return found


def module_name(name: str, where: str) -> str:
    """``name`` when it is a module name the sysconfig module could be given; a dotted name would
    import its package to be found, a path is none."""
    what = invalid("module", name)
    if what is not None:
        raise ConfigError(
            f"{where}={quoted(name)} is not {what}; set it to the stem of the target's "
            f"_sysconfigdata_*.py, or unset it"
        )
    return name


def find_module(
    name: str, environ: Mapping[str, str], module_path: Sequence[str]
) -> Sourced | None:
    """``name.py`` where Python would find it: in ``PYTHONPATH`` of ``environ`` (what any Python
    started there searches), then in ``module_path`` (the running interpreter's ``sys.path``,
    which holds the working folder under ``python -m``). Only found, never imported."""
    searched = [
        (entry, SYSCONFIGDATA_NAME) for entry in environ.get("PYTHONPATH", "").split(os.pathsep)
    ]
    searched += [(entry, SYSCONFIGDATA_NAME_ON_SYS_PATH) for entry in module_path]
    for entry, origin in searched:
        if entry and (Path(entry) / f"{name}.py").is_file():
            return Sourced(str(Path(entry) / f"{name}.py"), origin)
    return None


def locate(
    explicit: Sourced | None,
    environ: Mapping[str, str],
    cwd: Path,
    *,
    crossenv: Sourced | None = None,
    module_path: Sequence[str] = (),
) -> tuple[Path, Origin] | None:
    """Find the target's sysconfigdata: of ``explicit`` (a path and the setting it came from),
    the :func:`conventions` of ``environ`` (with ``module_path``, the running interpreter's
    ``sys.path``) and ``crossenv`` (what a crossenv cross-python's ``sysconfig`` names), the one
    :func:`maturin_cross.settings.origin.decide` chooses. A folder is searched; several different
    files in it are an error.

    Returns the file and where it came from, or None when nothing names a target: a native build.
    A ``_PYTHON_SYSCONFIGDATA_NAME`` that names nothing to be found is an error: a Python started
    here would not know its configuration.
    """
    chosen = decide([crossenv, *conventions(environ, module_path), explicit])
    name = environ.get(NAME_VARIABLE)
    if chosen is None and name:
        raise ConfigError(
            f"{NAME_VARIABLE}={name} names no {name}.py on PYTHONPATH or sys.path, so the target "
            f"is unknown; put the target's sysconfigdata folder on PYTHONPATH, pass the file "
            f"with -C sysconfigdata=PATH, or unset the variable for a native build"
        )
    if chosen is None:
        return None
    value, origin = chosen
    if origin == PYO3_CROSS_LIB_DIR:
        root = Path(value)
        if not root.is_dir():
            raise ConfigError(
                f"PYO3_CROSS_LIB_DIR={value} is not a directory; set it to the target's "
                f"library directory (the sysroot's usr/lib) or unset it"
            )
        return _only_candidate(_search_lib_dir(root, environ), root, origin), origin
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = cwd / path
    if path.is_dir():
        return _only_candidate(_search_lib_dir(path, environ), path, origin), origin
    try:
        _files.check_regular(path)
    except OSError as err:
        said = "does not exist" if isinstance(err, FileNotFoundError) else _files.why(err)
        raise ConfigError(
            f"sysconfigdata {_text.shown(value)} (from {origin}) {said}; point it at the "
            f"target's _sysconfigdata_*.py (in the sysroot's usr/lib/python3.X/)"
        ) from None
    return path, origin


def _only_candidate(candidates: list[Path], root: Path, origin: Origin) -> Path:
    unique: dict[Path, Path] = {}
    for candidate in candidates:
        unique.setdefault(candidate.resolve(), candidate)
    if not unique:
        raise ConfigError(
            f"no _sysconfigdata_*.py under {_text.shown(root)} (from {origin}); point it at the "
            f"target's "
            f"library directory or pass the file with -C sysconfigdata=PATH"
        )
    if len(unique) > 1:
        listed = ", ".join(str(p) for p in sorted(unique.values()))
        raise ConfigError(
            f"{len(unique)} target sysconfigdata files under {_text.shown(root)} (from {origin}): "
            f"{listed}; "
            f"choose one with -C sysconfigdata=PATH (or MATURIN_CROSS_SYSCONFIGDATA), or narrow "
            f"the search with PYO3_CROSS_PYTHON_VERSION / _PYTHON_SYSCONFIGDATA_NAME"
        )
    return next(iter(unique.values()))


def _search_lib_dir(root: Path, environ: Mapping[str, str]) -> list[Path]:
    """maturin's and pyo3's search: ``_sysconfigdata*.py`` files in ``root``, recursing into
    ``build*``, ``lib*``, ``python3.*``/``pypy*`` folders; narrowed by
    ``_PYTHON_SYSCONFIGDATA_NAME`` (file stem) and ``PYO3_CROSS_PYTHON_VERSION`` (``3.13`` or
    ``3.13t``)."""
    name = environ.get(NAME_VARIABLE) or None
    version = environ.get("PYO3_CROSS_PYTHON_VERSION") or None
    free_threaded: bool | None = None
    if version and version.endswith("t"):
        version, free_threaded = version[:-1], True
    elif version:
        free_threaded = False
    found = [p for p in _walk(root, version) if name is None or p.stem == name]
    if free_threaded is not None and name is None:
        narrowed = [p for p in found if p.name.startswith(f"{PREFIX}_t") == free_threaded]
        found = narrowed or found
    return found


_DEEPEST = 16
"""How many folders deep the search goes (a sysconfigdata is two or three deep): a deeper tree
is not searched further, so no input makes the search unbounded."""


def _walk(root: Path, version: str | None) -> Iterator[Path]:
    """The sysconfigdata files under ``root``, folder by folder (no recursion: any depth is
    walked in bounded stack), each real folder once, :data:`_DEEPEST` folders deep at most."""
    seen: set[Path] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            real = folder.resolve()
        except (OSError, RuntimeError):
            continue  # a symbolic link loop
        if real in seen:
            continue
        seen.add(real)
        try:
            children = sorted(folder.iterdir())
        except OSError:
            continue
        deeper: list[tuple[Path, int]] = []
        for child in children:
            name = child.name
            try:
                if child.is_file() and name.startswith(PREFIX) and name.endswith(".py"):
                    yield child
                elif depth < _DEEPEST and child.is_dir() and _descend(name, version):
                    deeper.append((child, depth + 1))
            except OSError:
                continue  # a name too long to look at
        stack.extend(reversed(deeper))


def _descend(name: str, version: str | None) -> bool:
    if name.startswith("python"):
        if version:
            # A free-threaded build keeps its stdlib in python3.13t.
            return name in (f"python{version}", f"python{version}t")
        return name.startswith("python3.")
    return name.startswith(("build", "lib", "pypy", "graalpy"))
