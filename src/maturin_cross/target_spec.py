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


def custom_target_spec(target: str, environ: Mapping[str, str], cwd: Path) -> str | None:
    """The ``llvm-target`` of a custom target spec; None for a built-in target."""
    candidates = [cwd / target] if target.endswith(".json") else []
    for folder in environ.get("RUST_TARGET_PATH", "").split(os.pathsep):
        if folder:
            candidates.append(Path(folder) / f"{target}.json")
    for candidate in candidates:
        if candidate.is_file():
            try:
                spec = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise ConfigError(f"{candidate}: not a readable target spec ({err})") from None
            llvm = spec.get("llvm-target") if isinstance(spec, dict) else None
            if not isinstance(llvm, str):
                raise ConfigError(
                    f"{candidate}: the target spec has no llvm-target; maturin-cross needs it to "
                    f"know the machine"
                )
            return llvm
    if target.endswith(".json"):
        raise ConfigError(f"target spec {target} does not exist (relative to {cwd})")
    return None
