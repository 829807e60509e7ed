"""The PyO3 setup of a cross build: the config file written from the target's sysconfigdata, and
the PYO3_CROSS* variables that agree with it. :mod:`maturin_cross.buildenv.pyo3_config` says what
the file holds; this module reads the crate, writes the file and returns what it did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.buildenv import pyo3_config, pyo3_support
from maturin_cross.errors import ConfigError
from maturin_cross.project.pyproject import Project
from maturin_cross.settings.maturin_args import MaturinArgs
from maturin_cross.support.atomic import write_bytes
from maturin_cross.target.resolve import Target
from maturin_cross.target.sysconfigdata import SysconfigData


@dataclass(frozen=True)
class PyO3Setup:
    path: Path
    """The PYO3_CONFIG_FILE written."""
    env: Mapping[str, str]
    """PYO3_CONFIG_FILE and the PYO3_CROSS* variables."""
    notes: tuple[str, ...] = ()


def lib_dir(data: SysconfigData, environ: Mapping[str, str]) -> str:
    """A host folder with the target's libpython (pyo3's ``lib_dir``): the sysroot's LIBDIR when
    the sysconfigdata sits in a sysroot, else PYO3_CROSS_LIB_DIR, else the file's folder."""
    data_dir = data.path.parent
    libdest = data.get_str("LIBDEST")
    libdir = data.get_str("LIBDIR")
    candidates: list[Path] = []
    if libdest is not None and libdir is not None and libdest.startswith("/"):
        text = str(data_dir)
        if text.endswith(libdest.rstrip("/")):
            root = text[: len(text) - len(libdest.rstrip("/"))]
            candidates.append(Path(root + libdir))
    if libdir is not None and libdir.startswith("/"):
        candidates.append(Path(libdir))
    if environ.get("PYO3_CROSS_LIB_DIR"):
        candidates.append(Path(environ["PYO3_CROSS_LIB_DIR"]))
    ldlibrary = data.get_str("LDLIBRARY")
    for candidate in candidates:
        if ldlibrary is not None and (candidate / ldlibrary).exists():
            return str(candidate)
    return str(candidates[-1] if environ.get("PYO3_CROSS_LIB_DIR") else data_dir)


def _existing_config(existing: str) -> dict[str, str]:
    try:
        text = Path(existing).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            f"PYO3_CONFIG_FILE={existing} cannot be read ({err.strerror}); fix or unset it"
        ) from None
    return pyo3_config.parse_config(text, f"PYO3_CONFIG_FILE={existing}")


def setup(
    target: Target,
    data: SysconfigData,
    project: Project,
    args: MaturinArgs,
    folder: Path,
    environ: Mapping[str, str],
) -> PyO3Setup:
    """Write the PYO3_CONFIG_FILE of ``target`` (whose sysconfigdata is ``data``) for
    ``project``, built with maturin's ``args``, into ``folder``; return it with the variables
    that agree with it and what to tell the user."""
    manifest_dir = project.manifest_dir(args)
    lock = pyo3_config.find_cargo_lock(manifest_dir)
    locked = (
        pyo3_config.locked_pyo3_version(lock.read_text(encoding="utf-8"), str(lock))
        if lock
        else None
    )
    cargo_toml = manifest_dir / "Cargo.toml"
    manifest = (
        pyo3_config.read_manifest(cargo_toml.read_text(encoding="utf-8"))
        if cargo_toml.is_file()
        else None
    )
    abi3 = manifest is not None and pyo3_config.uses_abi3(manifest, project.features(args))
    if (
        lock is not None
        and target.python is not None
        and pyo3_config.uses_pyo3(project.bindings, manifest, locked)
    ):
        # Said before cargo runs: pyo3's build script would stop deep in the build.
        problem = pyo3_support.too_old(
            locked,
            target.python,
            abi3=abi3,
            forward=environ.get(pyo3_support.FORWARD) == "1",
            lock=str(lock),
            target_file=str(data.path),
        )
        if problem is not None:
            raise ConfigError(problem)
    notes: list[str] = []
    existing = environ.get("PYO3_CONFIG_FILE")
    base = _existing_config(existing) if existing else {}
    if existing:
        notes.append(
            f"PYO3_CONFIG_FILE={existing} replaced by one written from {data.path} "
            f"(its other keys kept)"
        )
    found_lib_dir = lib_dir(data, environ)
    values = pyo3_config.config_values(
        target, data, lib_dir=found_lib_dir, pyo3_version=locked, abi3=abi3, base=base
    )
    if pyo3_config.uses_pyo3(
        project.bindings, manifest, locked
    ) and not pyo3_config.tolerates_unknown_keys(locked):
        notes.append(
            "the locked pyo3 is unknown or older than 0.18.1, so the config file has no "
            "ext_suffix; the module is renamed after the build if needed"
        )
    path = (folder / f"pyo3-config-{target.rust_target}.txt").resolve()
    text = pyo3_config.render(values).encode("utf-8")
    # Rewritten only when it changes: pyo3's build script reruns, and all above it rebuilds,
    # when the file's path or its time changes.
    if not path.is_file() or path.read_bytes() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, text)
    given = environ.get("PYO3_CROSS_LIB_DIR")
    if given and Path(given).resolve() != data.path.parent.resolve():
        notes.append(
            f"PYO3_CROSS_LIB_DIR={given} replaced by {data.path.parent}, "
            f"the folder of {data.path.name}"
        )
    python = target.python
    assert python is not None  # a target read from a sysconfigdata has one
    env = {
        "PYO3_CONFIG_FILE": str(path),
        "PYO3_CROSS": "1",
        # The folder holding the sysconfigdata, as pyo3 documents it: pyo3 and maturin find the
        # file there, and build scripts (cryptography's cffi part) derive the target's include
        # folder from it (LIBDEST -> include/python3.X). libpython's folder is in the file.
        "PYO3_CROSS_LIB_DIR": str(data.path.parent),
        "PYO3_CROSS_PYTHON_VERSION": python.version_text + ("t" if python.free_threaded else ""),
        "PYO3_CROSS_PYTHON_IMPLEMENTATION": python.implementation,
    }
    return PyO3Setup(path, env, tuple(notes))
