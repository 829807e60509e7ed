"""A PEP 517 build backend that wraps maturin for cross builds: it takes the target's own
sysconfigdata as the authority, and checks and corrects every wheel before handing it back.

The tree, from the doors down; a module imports from its own layer and the layers below it, never
from one above (docs/architecture.md has a line for every module):

    backend, cli      the doors: PEP 517/660 hooks and the command line
    pipeline          the plan and the steps both doors share
    trial             the wheel tried on its target, under qemu
    buildenv          the environment a cross build runs in: PyO3, C, Rust
    checks            will the wheel load on its target: ELF, linkage, policy, repair, proof
    wheel             wheels as files: zip, RECORD, tags, rewriting
    project           the project being built
    target            what the target is: architectures, sysconfigdata, specs, host, sysroot
    settings          what the user asked for, and where each setting came from
    support, errors   processes, atomic writes, TOML; the one exception tree

"Pure" means one thing wherever a docstring says it: the module starts no process, prints
nothing, writes no file and reads nothing of this host's interpreter or environment (``sys``,
``sysconfig``, ``os.environ``); it may read the files it is handed. A module that is not pure
says in its docstring what it touches. A leading underscore means private, nothing else."""

from __future__ import annotations

__version__ = "0.1.0"

from maturin_cross.backend import (
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]
