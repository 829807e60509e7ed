"""A target's PEP 739 ``build-details.json``, as real installations carry it, read without trust.

Where real files are and what they hold (Debian sid's 3.14.10 and 3.15.2, see
``tests/fixtures/build-details/README.md``), which is not quite the specification's example:

* Debian names the file after the build it describes, ``build-details.{ABIFLAGS}.{MULTIARCH}.json``
  beside the sysconfigdata in ``/usr/lib/python3.X/``: ``build-details..aarch64-linux-gnu.json``
  (an empty ABIFLAGS leaves two dots) and ``build-details.d.aarch64-linux-gnu.json`` for the debug
  build. Upstream installs one ``build-details.json`` there. :func:`beside` finds either.
* Debian's files have no ``abi.extension_suffix`` and no ``libpython.dynamic`` (only
  ``libpython.static``), although the build is shared: the suffix is then the first of
  ``suffixes.extensions``, which CPython lists with its own EXT_SUFFIX first, and a missing
  ``libpython.dynamic`` says nothing.
* On cross builds CPython writes the values it takes from the running interpreter (``abi.flags``,
  ``implementation._multiarch``, ``suffixes``) from the build machine's Python
  (python/cpython#136267), so the suffix comes from ``abi.extension_suffix`` first, and a file
  whose ``abi.flags`` disagree with its suffix is read by its suffix.
* Debian builds armhf on arm64 machines: its ``platform`` is ``linux-armv8l``, which the platform
  tag rule refines to ``linux_armv7l`` (:mod:`maturin_cross.target.platform_tag`).

The file is bounded (:data:`MAX_BYTES`), its schema version checked (major 1, as PEP 739 asks of a
reader), each value checked as a sysconfigdata's (:mod:`maturin_cross.target.sysconfigdata`), and
each bad input said in one line naming the file and the field.

Pure: reads the files it is handed, never the host interpreter's.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.errors import ConfigError
from maturin_cross.settings.origin import Kind, Origin
from maturin_cross.support import files as _files
from maturin_cross.support import text as _text
from maturin_cross.target import sysconfigdata as _sysconfigdata
from maturin_cross.target.soabi import Soabi
from maturin_cross.target.sysconfigdata import SysconfigData, quoted

BUILD_DETAILS = "build-details.json"
"""Upstream's name for the file."""

NAME = re.compile(r"build-details(?:\.(?P<flags>[a-z]*)\.(?P<multiarch>[A-Za-z0-9_-]+))?\.json")
"""Upstream's name and Debian's ``build-details.{ABIFLAGS}.{MULTIARCH}.json``."""

SCHEMA_MAJOR = "1"
"""The schema major version read here: PEP 739 1.0 (``"1.0"``; drafts wrote ``"1"``). A reader
must refuse another major version, which may change what a field means."""

MAX_BYTES = 256 * 1024
"""The largest file read: Debian's are about 1.1 KB; anything this large is not one."""


@dataclass(frozen=True)
class BuildDetails:
    """What maturin-cross takes from a ``build-details.json``."""

    path: Path
    version: str
    """``language.version``: ``3.14``."""
    implementation: str
    extension_suffix: str
    suffix_field: str
    """Where the suffix was read: ``abi.extension_suffix``, else ``suffixes.extensions``."""
    platform: str | None
    abiflags: str | None = None
    """``abi.flags`` joined; None when absent."""
    multiarch: str | None = None
    """``implementation._multiarch``; None when absent."""
    libpython_dynamic: str | None = None
    libpython_static: str | None = None

    @property
    def lib_dir(self) -> str | None:
        """The target's folder of libpython, as the file names it."""
        library = self.libpython_dynamic or self.libpython_static
        return posixpath.dirname(library) if library else None

    def as_vars(self) -> dict[str, object]:
        """The sysconfigdata variables this file stands for, the ABI derived from the suffix."""
        said = Soabi.from_ext_suffix(self.extension_suffix)
        vars: dict[str, object] = {"VERSION": self.version, "EXT_SUFFIX": self.extension_suffix}
        if said is not None:
            vars["SOABI"] = said.text
            vars["ABIFLAGS"] = said.abiflags
            vars["LDVERSION"] = f"{self.version}{said.abiflags}"
            if said.multiarch:
                vars["MULTIARCH"] = said.multiarch
            vars["Py_GIL_DISABLED"] = 1 if "t" in said.abiflags else 0
        if self.lib_dir:
            vars["LIBDIR"] = self.lib_dir
        if self.libpython_dynamic:
            vars["Py_ENABLE_SHARED"] = 1
        return vars


# How build-details.json names what a sysconfigdata calls these, for messages.
_FIELDS = {
    "EXT_SUFFIX": "abi.extension_suffix",
    "VERSION": "language.version",
    "platform": "platform",
    "MULTIARCH": "implementation._multiarch",
    "LIBDIR": "libpython",
}


def _read(path: Path, origin: Origin) -> object:
    try:
        raw = _files.read_regular(path, MAX_BYTES)
    except _files.TooLarge:
        raise ConfigError(
            f"{_text.shown(path)}: larger than {MAX_BYTES // 1024} KiB, which no "
            f"build-details.json is (from {origin}); is it the target's PEP 739 file?"
        ) from None
    except OSError as err:
        raise ConfigError(
            f"cannot read {_text.shown(path)} (from {origin}): {_files.why(err)}; make it "
            f"readable, or pass the target's own _sysconfigdata_*.py"
        ) from None

    def unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                raise ConfigError(
                    f"{_text.shown(path)}: {quoted(key)} twice in one object, and JSON readers "
                    f"differ on which one counts; keep one, as the target's Python wrote the file"
                )
            seen[key] = value
        return seen

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=unique)
    except (ValueError, RecursionError, MemoryError) as err:
        # JSONDecodeError and UnicodeDecodeError are ValueErrors, and so is a number longer
        # than Python's limit on int digits; deep nesting is a RecursionError.
        said = str(err).splitlines() or [type(err).__name__]
        raise ConfigError(
            f"{_text.shown(path)}: not valid JSON ({said[0][:200]}); is it a PEP 739 "
            f"build-details.json?"
        ) from None


def parse(path: Path, origin: Origin) -> BuildDetails:
    """Read a ``build-details.json``; every refusal is one line naming the file and the field."""
    data = _read(path, origin)

    def field(*keys: str) -> object:
        value: object = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def text(*keys: str) -> str | None:
        value = field(*keys)
        return value if isinstance(value, str) else None

    if not isinstance(data, dict):
        raise ConfigError(
            f"{_text.shown(path)}: a JSON {type(data).__name__}, not an object; is it a PEP 739 "
            f"build-details.json?"
        )
    schema = field("schema_version")
    if not isinstance(schema, str) or schema.split(".")[0] != SCHEMA_MAJOR:
        shown = quoted(schema) if isinstance(schema, str) else "missing"
        raise ConfigError(
            f"{_text.shown(path)}: schema_version {shown} is not PEP 739's 1.x, the schema "
            f"read here (from {origin}); pass the target's _sysconfigdata_*.py instead"
        )
    version = text("language", "version")
    if version is None:
        raise ConfigError(
            f"{_text.shown(path)}: no language.version (from {origin}); a PEP 739 "
            f"build-details.json always has it: is this the target's file?"
        )
    suffix, suffix_field = text("abi", "extension_suffix"), "abi.extension_suffix"
    if suffix is None:
        suffix = _first_extension(field("suffixes", "extensions"))
        suffix_field = "suffixes.extensions[0]"
    if suffix is None:
        raise ConfigError(
            f"{_text.shown(path)}: neither abi.extension_suffix nor a "
            f"'.cpython-...' first in suffixes.extensions (from {origin}), so the file does not "
            f"say how extension modules are named; pass the target's _sysconfigdata_*.py"
        )
    flags = field("abi", "flags")
    abiflags: str | None = None
    if isinstance(flags, list) and all(isinstance(flag, str) for flag in flags):
        abiflags = "".join(str(flag) for flag in flags)
    elif flags is not None:
        raise ConfigError(
            f"{_text.shown(path)}: abi.flags is not a list of strings (from {origin}); "
            f"is this the target's own file, as its Python wrote it?"
        )
    name = field("implementation", "name")
    implementation = {"cpython": "CPython", "pypy": "PyPy"}.get(str(name).lower(), str(name))
    details = BuildDetails(
        path,
        version,
        implementation,
        suffix,
        suffix_field,
        text("platform"),
        abiflags,
        text("implementation", "_multiarch"),
        text("libpython", "dynamic"),
        text("libpython", "static"),
    )
    # abi.flags and implementation._multiarch may be the build machine's on a cross build
    # (python/cpython#136267): their shape is checked here, their agreement only against a
    # sysconfigdata (disagreements).
    for key, name, value in (
        ("ABIFLAGS", "abi.flags", abiflags),
        ("MULTIARCH", "implementation._multiarch", details.multiarch),
    ):
        what = _sysconfigdata.invalid(key, value) if value is not None else None
        if value is not None and what is not None:
            raise ConfigError(
                f"{_text.shown(path)}: {name} {quoted(value)} is not {what}; is this the "
                f"target's own file, as its Python wrote it?"
            )
    names = {**_FIELDS, "EXT_SUFFIX": details.suffix_field}
    checked: dict[str, object] = {**details.as_vars(), "platform": details.platform}
    problem = _sysconfigdata.first_problem(checked, names)
    if problem:
        raise ConfigError(f"{_text.shown(path)}: {problem}")
    return details


def _first_extension(extensions: object) -> str | None:
    """CPython's own EXT_SUFFIX from ``suffixes.extensions``: it is listed first (its
    ``importlib.machinery.EXTENSION_SUFFIXES``), the stable ABI's and ``.so`` after it."""
    if not isinstance(extensions, list) or not extensions:
        return None
    first = extensions[0]
    return first if isinstance(first, str) and first.startswith(".cpython-") else None


def beside(sysconfig: SysconfigData) -> Path | None:
    """The ``build-details.json`` of the same build beside a sysconfigdata: Debian's
    ``build-details.{ABIFLAGS}.{MULTIARCH}.json`` for its ABIFLAGS and MULTIARCH, else upstream's
    ``build-details.json``; None when there is none."""
    folder = sysconfig.path.parent
    flags, multiarch = sysconfig.get_str("ABIFLAGS"), sysconfig.get_str("MULTIARCH")
    names = [f"build-details.{flags}.{multiarch}.json"] if flags is not None and multiarch else []
    for name in (*names, BUILD_DETAILS):
        candidate = folder / name
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            continue
    return None


def read_target_file(path: Path, origin: Origin) -> tuple[SysconfigData, BuildDetails | None]:
    """The target's variables from a sysconfigdata file (with the build-details.json of the same
    build beside it, :func:`beside`) or from a build-details.json alone (any ``.json`` name)."""
    if path.suffix == ".json":
        alone = parse(path, origin)
        return SysconfigData(path, origin, alone.as_vars()), alone
    data = _sysconfigdata.parse(path, origin)
    found = beside(data)
    if found is None:
        return data, None
    return data, parse(found, Origin(Kind.TARGET_FILE, f"beside {path.name}"))


def disagreements(data: SysconfigData, details: BuildDetails) -> list[str]:
    """Where a build-details.json and the sysconfigdata of the same build disagree, one line
    each naming both files and the field; the sysconfigdata is what the target's configure
    wrote, and is kept. Only what both say is compared: a field the JSON leaves out (Debian's
    ``libpython.dynamic``) says nothing."""
    said = Soabi.from_ext_suffix(details.extension_suffix)
    pairs: list[tuple[str, str, str | None, str | None]] = [
        ("VERSION", "language.version", details.version, data.get_str("VERSION")),
        ("EXT_SUFFIX", details.suffix_field, details.extension_suffix, data.ext_suffix),
        ("ABIFLAGS", "abi.flags", details.abiflags, data.get_str("ABIFLAGS")),
        ("MULTIARCH", "implementation._multiarch", details.multiarch, data.get_str("MULTIARCH")),
        ("LIBDIR", "libpython", details.lib_dir, data.get_str("LIBDIR")),
    ]
    if said is not None and details.abiflags is None:
        pairs.append(("ABIFLAGS", details.suffix_field, said.abiflags, data.get_str("ABIFLAGS")))
    lines = [
        f"{details.path}: {theirs_name} says {theirs!r} but {data.path} says {key} {ours!r}; "
        f"using the sysconfigdata's (see python/cpython#136267)"
        for key, theirs_name, theirs, ours in pairs
        if theirs is not None and ours is not None and theirs != ours
    ]
    if details.libpython_dynamic and data.get_int("Py_ENABLE_SHARED") == 0:
        lines.append(
            f"{details.path}: libpython.dynamic names {details.libpython_dynamic!r} but "
            f"{data.path} says Py_ENABLE_SHARED 0 (a static build); using the sysconfigdata's"
        )
    return lines
