"""The last step both doors share: correct a wheel for its target, prove it loads there, and only
then put it under its final name.

A wheel that fails the proof is never written where a user would pick it up: it is made in a
staging folder inside the output folder (the same file system, so the final move is one rename)
and removed with the folder. Pure: files only, no process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from maturin_cross import proof, repair
from maturin_cross.errors import WheelError
from maturin_cross.sysroot import Sysroot
from maturin_cross.target import Target


@dataclass(frozen=True)
class Delivered:
    path: Path
    changes: tuple[str, ...]
    proof: proof.Proof


def deliver(
    source: Path,
    target: Target,
    sysroot: Sysroot | None,
    out_dir: Path,
    *,
    check_only: bool = False,
    trial: Callable[[Path], None] | None = None,
) -> Delivered:
    """The corrected and proven wheel in ``out_dir``. Raises WheelError, leaving nothing in
    ``out_dir``, when it cannot be made right or does not pass the proof; ``trial`` (trying the
    wheel on the target) runs on the proven wheel before it is moved, and raises to refuse it."""
    made = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".maturin-cross-", dir=out_dir))
    except OSError as err:
        raise WheelError(
            f"{out_dir}: cannot write the wheel there ({err.strerror}); name a writable folder"
        ) from None
    try:
        result = repair.fix_wheel(source, target, staging, check_only=check_only)
        checked = proof.prove(result.path, target, sysroot)
        if checked.problems:
            raise WheelError(list(checked.problems))
        if trial is not None:
            trial(result.path)
        final = out_dir / result.path.name
        if not result.changes and final.exists() and final.resolve() == source.resolve():
            return Delivered(final, (), checked)
        os.replace(result.path, final)
        made = []
        return Delivered(final, tuple(result.changes), checked)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # the folders this call made, when it hands back nothing
            with contextlib.suppress(OSError):
                folder.rmdir()
