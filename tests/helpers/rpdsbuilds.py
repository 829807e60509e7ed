"""examples/rpds built by ``maturin-cross build`` once per architecture in a test session, shared
by test_integration.py's ``test_cli_build`` and the corpus (tests/integration/test_corpus.py): a
cross build of it costs minutes, and both need the same one."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness import EXAMPLES, CrossToolchain, clean_environ, run_cli


@dataclass(frozen=True)
class Built:
    """One build: what ``maturin-cross build`` said, where it was told to write, the wheel."""

    done: subprocess.CompletedProcess[str]
    out: Path
    wheel: Path | None
    """None when the build failed."""


_built: dict[str, Built] = {}


def rpds_build(toolchain: CrossToolchain, folder: Path) -> Built:
    """examples/rpds built for ``toolchain``'s target in ``folder`` (a fresh copy, written to
    ``folder/wheels``), or the build this session already made for that target (architecture,
    release and Python)."""
    if toolchain.spec in _built:
        return _built[toolchain.spec]
    source = folder / "rpds"
    shutil.copytree(EXAMPLES / "rpds", source, ignore=shutil.ignore_patterns("target"))
    out = folder / "wheels"
    done = run_cli(["build", source, "-o", out], env=clean_environ(**toolchain.build_env()))
    lines = done.stdout.strip().splitlines()
    wheel = Path(lines[-1]) if done.returncode == 0 and lines else None
    _built[toolchain.spec] = Built(done, out, wheel)
    return _built[toolchain.spec]
