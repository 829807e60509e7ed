"""Custom Rust target specs (a JSON file): the ``llvm-target`` that says which machine they build
for. Found as cargo finds them: a path ending in ``.json``, or ``<name>.json`` in a folder of
``RUST_TARGET_PATH``.

Pure: reads the files it is pointed at and the environment mapping it is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from maturin_cross.errors import ConfigError
from maturin_cross.support import files
from maturin_cross.support.text import shown


def custom_target_spec(target: str, environ: Mapping[str, str], cwd: Path) -> str | None:
    """The ``llvm-target`` of a custom target spec; None for a built-in target."""
    candidates = [cwd / target] if target.endswith(".json") else []
    for folder in environ.get("RUST_TARGET_PATH", "").split(os.pathsep):
        if folder:
            candidates.append(Path(folder) / f"{target}.json")
    for candidate in candidates:
        if os.path.exists(candidate):
            return _llvm_target(candidate)
    if target.endswith(".json"):
        raise ConfigError(
            f"target spec {shown(target)} does not exist (relative to {cwd}); pass the path of the "
            f"target's JSON spec, or a built-in Rust triple (rustc --print target-list)"
        )
    return None


_AS_RUSTC_WRITES = (
    "pass a Rust target spec as rustc writes one "
    "(rustc -Z unstable-options --print target-spec-json --target TRIPLE)"
)


MAX_BYTES = 1 << 20
"""The largest target spec read (rustc's own are a few kilobytes)."""


def _llvm_target(path: Path) -> str:
    try:
        text = files.read_regular(path, MAX_BYTES)
    except OSError as err:
        raise ConfigError(
            f"cannot read target spec {shown(path)}: {files.why(err)}; make it a readable file, "
            f"or {_AS_RUSTC_WRITES}"
        ) from None
    try:
        spec = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as err:
        said = str(err).splitlines() or [type(err).__name__]
        raise ConfigError(
            f"{shown(path)}: the target spec is not JSON ({said[0][:200]}); {_AS_RUSTC_WRITES}"
        ) from None
    llvm = spec.get("llvm-target") if isinstance(spec, dict) else None
    if not isinstance(llvm, str):
        raise ConfigError(
            f"{shown(path)}: the target spec has no llvm-target, which maturin-cross needs to know "
            f"the "
            f'machine; add "llvm-target": "<LLVM triple>" (armv7-unknown-linux-gnueabihf), as '
            f"rustc's own specs have it"
        )
    return llvm
