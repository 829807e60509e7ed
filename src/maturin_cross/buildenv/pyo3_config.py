"""The ``PYO3_CONFIG_FILE`` text for a target, and the pyo3 version a crate locks.

A config file is the only way to hand maturin an exact EXT_SUFFIX (its ``ext_suffix`` key), and
it short-circuits every other way maturin and pyo3 find an interpreter, so it decides the build.

* ``ext_suffix``, ``abiflags`` and ``abi_tag`` are maturin's keys. pyo3 >= 0.18.1 warns about
  keys it does not know and goes on; pyo3 <= 0.18.0 stops, so they are written only when the
  locked pyo3 is known to be >= 0.18.1 (otherwise the wheel is corrected after the build).
* ``abi3=`` is deprecated from pyo3 0.29 on (``target_abi`` replaces it, and both together is an
  error), so it is left out for pyo3 >= 0.29: pyo3's own abi3 features still apply.
* A config file the environment already names (Yocto's ``pyo3.config``, which has no
  ``ext_suffix``) is read, its keys kept, and every key derived from the target's sysconfigdata
  written over it: the target's own configuration is the authority.

Pure: no process, no host interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.errors import ConfigError
from maturin_cross.target.resolve import Target
from maturin_cross.target.sysconfigdata import SysconfigData

# Build flags pyo3 understands (pyo3-build-config's BuildFlag), taken from sysconfigdata.
BUILD_FLAGS = ("Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS", "COUNT_ALLOCS", "Py_GIL_DISABLED")

Version = tuple[int, ...]


def parse_config(text: str, where: str) -> dict[str, str]:
    """Read a ``key=value`` config file (pyo3's format) into an ordered dict."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "=" not in line:
            raise ConfigError(
                f"{where}:{number}: expected key=value, got {line.strip()!r}; "
                f"fix the file or unset PYO3_CONFIG_FILE"
            )
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def config_values(
    target: Target,
    data: SysconfigData,
    *,
    lib_dir: str | None,
    pyo3_version: Version | None,
    abi3: bool = False,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every key of the config file for ``target``, whose sysconfigdata is ``data``."""
    python = target.python
    if python is None:
        raise ConfigError("a PyO3 config file needs the target's sysconfigdata")
    values: dict[str, str] = dict(base or {})
    values["implementation"] = python.implementation
    values["version"] = python.version_text
    values["shared"] = "true" if data.flag("Py_ENABLE_SHARED") else "false"
    if pyo3_version is None or pyo3_version < (0, 29):
        values["abi3"] = "true" if abi3 else "false"
    else:
        values.pop("abi3", None)
    values["lib_name"] = f"python{data.get_str('LDVERSION') or python.version_text}"
    if lib_dir:
        values["lib_dir"] = lib_dir
    values["pointer_width"] = str(target.pointer_width)
    flags = [flag for flag in BUILD_FLAGS if data.flag(flag)]
    if python.version < (3, 7):
        flags.append("WITH_THREAD")
    values["build_flags"] = ",".join(flags)
    values["suppress_build_script_link_lines"] = values.get(
        "suppress_build_script_link_lines", "false"
    )
    maturin_keys = {
        "ext_suffix": target.expected_ext_suffix or "",
        "abiflags": python.abiflags,
        "abi_tag": python.abi_tag[2:],
    }
    if tolerates_unknown_keys(pyo3_version):
        values.update(maturin_keys)
    else:
        for key in maturin_keys:
            values.pop(key, None)
    return values


def render(values: Mapping[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def tolerates_unknown_keys(pyo3_version: Version | None) -> bool:
    return pyo3_version is not None and pyo3_version >= (0, 18, 1)


def locked_pyo3_version(lock_text: str, where: str) -> Version | None:
    """The version of pyo3-build-config (else pyo3) in a Cargo.lock; None when absent."""
    from maturin_cross.support.tomlfile import TOMLDecodeError, loads

    try:
        lock = loads(lock_text)
    except TOMLDecodeError as err:
        raise ConfigError(f"{where}: not valid TOML ({err}); regenerate it with cargo") from None
    packages = lock.get("package", [])
    found: dict[str, Version] = {}
    for package in packages:
        name = package.get("name")
        if name in ("pyo3-build-config", "pyo3") and isinstance(package.get("version"), str):
            version = _parse_version(str(package["version"]))
            if version and (name not in found or version > found[name]):
                found[str(name)] = version
    return found.get("pyo3-build-config") or found.get("pyo3")


def find_cargo_lock(manifest_dir: Path) -> Path | None:
    """Cargo.lock beside the manifest or in a workspace folder above it."""
    for folder in (manifest_dir, *manifest_dir.parents):
        candidate = folder / "Cargo.lock"
        if candidate.is_file():
            return candidate
    return None


def _parse_version(text: str) -> Version | None:
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else None


@dataclass(frozen=True)
class CrateManifest:
    """What maturin-cross reads of a crate's Cargo.toml, parsed once (:func:`read_manifest`)."""

    pyo3: bool | None
    """Whether it names pyo3 or pyo3-ffi among its dependencies; None when it cannot be told
    (not TOML, or no table of dependencies)."""
    pyo3_features: tuple[str, ...] = ()
    """The features its pyo3 dependency turns on."""


def read_manifest(cargo_toml: str) -> CrateManifest:
    """The text of a Cargo.toml, read for what :func:`uses_abi3` and :func:`uses_pyo3` ask."""
    from maturin_cross.support.tomlfile import TOMLDecodeError, loads

    try:
        manifest = loads(cargo_toml)
    except TOMLDecodeError:
        return CrateManifest(None)
    dependencies = manifest.get("dependencies", {})
    if not isinstance(dependencies, Mapping):
        return CrateManifest(None)
    dependency = dependencies.get("pyo3")
    features = dependency.get("features", []) if isinstance(dependency, Mapping) else []
    return CrateManifest(
        any(name in dependencies for name in ("pyo3", "pyo3-ffi")),
        tuple(str(feature) for feature in features) if isinstance(features, list) else (),
    )


def uses_abi3(manifest: CrateManifest, extra_features: list[str]) -> bool:
    """Does the crate turn on one of pyo3's abi3 features (in Cargo.toml's pyo3 dependency, or
    among the features maturin is told to enable)?"""
    if any(feature.split("/")[-1].startswith("abi3") for feature in extra_features):
        return True
    return any(feature.startswith("abi3") for feature in manifest.pyo3_features)


NO_PYO3_BINDINGS = frozenset({"bin", "cffi", "uniffi"})


def uses_pyo3(bindings: object, manifest: CrateManifest | None, locked: Version | None) -> bool:
    """Whether the crate may be built with pyo3: not when ``[tool.maturin] bindings`` says
    otherwise (``bin``, ``cffi``, ``uniffi``), nor when Cargo.toml names no pyo3 dependency and
    no pyo3 is locked. True when it cannot be told (no Cargo.toml: ``manifest`` is None)."""
    if bindings in NO_PYO3_BINDINGS:
        return False
    if locked is not None or manifest is None or manifest.pyo3 is None:
        return True
    return manifest.pyo3
