"""``maturin-cross build`` without --no-isolation: what ``python -m build --wheel`` does, with
maturin-cross as the backend. A fresh environment (:class:`build.env.DefaultIsolatedEnv`, with uv
where it is installed, as ``python -m build --installer uv``) gets the project's build
requirements and maturin-cross's own dependencies; maturin-cross itself is copied in, not
installed from an index; :class:`pyproject_hooks.BuildBackendHookCaller` calls its
``build_wheel`` hook there."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from subprocess import CalledProcessError  # what build's installers raise (they start pip/uv)
from typing import TYPE_CHECKING, Literal

from maturin_cross.errors import PREFIX, BuildError, CommandFailed, ConfigError, Reported
from maturin_cross.pipeline.planning import ConfigSettings
from maturin_cross.project.pyproject import Project
from maturin_cross.support.processes import TAIL_LINES, failure_cause, log, run, show

if TYPE_CHECKING:
    from build.env import DefaultIsolatedEnv

BACKEND = "maturin_cross"

# Variables that make a host python read the target's configuration (Yocto's
# _PYTHON_SYSCONFIGDATA_NAME): the environment's creation and the installer are the host's own
# business, so they run without them; the build itself sees them unchanged.
CROSS_PYTHON_VARIABLES = (
    "_PYTHON_SYSCONFIGDATA_NAME",
    "_PYTHON_HOST_PLATFORM",
    "_PYTHON_PROJECT_BASE",
)


def requirements(project: Project) -> list[str]:
    """The project's build requirements (whatever backend it declares; not maturin-cross, which
    is copied in), maturin unless the project pins one, and maturin-cross's own dependencies."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    # Every requirement as written: a name can be required twice under two markers.
    wanted: list[str] = []
    names: set[str] = set()
    for text in project.build_requires:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            raise ConfigError(
                f"pyproject.toml: build-system.requires has {text!r}, not a requirement; fix it"
            ) from None
        if name != "maturin-cross":
            wanted.append(text)
            names.add(name)
    own = [Requirement(text) for text in metadata.requires("maturin-cross") or []]
    for requirement in [Requirement("maturin>=1.4"), *own]:
        needed = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
        name = canonicalize_name(requirement.name)
        if needed and name not in names:
            wanted.append(str(requirement))
            names.add(name)
    return wanted


def installer() -> Literal["pip", "uv"]:
    """uv when it is installed, as ``python -m build --installer uv`` would use it; else pip."""
    found = importlib.util.find_spec("uv") or shutil.which(os.environ.get("UV") or "uv")
    return "uv" if found else "pip"


@contextlib.contextmanager
def _without(names: Sequence[str]) -> Iterator[None]:
    """This process's environment without ``names`` (build's installers read it), restored."""
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _install(env: DefaultIsolatedEnv, needed: list[str]) -> None:
    try:
        env.install(needed)
    except CalledProcessError as err:
        output = [
            line
            for stream in (err.stdout, err.stderr)
            for line in (stream.decode(errors="replace") if stream else "").splitlines()
        ]
        show(output[-TAIL_LINES:])
        raise BuildError(
            f"installing the build requirements failed: {failure_cause(output)}; "
            f"check that {' '.join(needed)} can be installed"
        ) from None


def _runner(extra: Mapping[str, str]) -> Callable[..., None]:
    """pyproject_hooks' subprocess runner, through :func:`maturin_cross.support.processes.run`."""

    def runner(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        run(
            cmd,
            cwd=Path(cwd) if cwd else None,
            env_delta={**extra, **(extra_environ or {})},
            stream=True,
            what="the isolated build",
        )

    return runner


def build_isolated(
    source_dir: Path,
    out_dir: Path,
    config_settings: ConfigSettings,
    *,
    environ_delta: Mapping[str, str] | None = None,
) -> str:
    """Build the wheel in a fresh environment, its hooks given ``environ_delta`` over this
    process's environment; return its file name in ``out_dir``."""
    from build.env import DefaultIsolatedEnv
    from pyproject_hooks import BackendUnavailable, BuildBackendHookCaller

    needed = requirements(Project.read(source_dir))
    chosen = installer()
    with tempfile.TemporaryDirectory(prefix="maturin-cross-") as folder, ExitStack() as stack:
        own = Path(folder) / BACKEND
        package = Path(__file__).resolve().parents[1]  # maturin_cross, not this pipeline folder
        shutil.copytree(package, own, ignore=shutil.ignore_patterns("__pycache__"))
        log(f"installing {' '.join(needed)} into an isolated environment ({chosen})")
        with _without(CROSS_PYTHON_VARIABLES):
            env = stack.enter_context(DefaultIsolatedEnv(installer=chosen))
            _install(env, needed)
        pythonpath = [folder, *filter(None, [os.environ.get("PYTHONPATH")])]
        extra = {
            **(environ_delta or {}),
            **env.make_extra_environ(),
            "PYTHONPATH": os.pathsep.join(pythonpath),
        }
        hooks = BuildBackendHookCaller(
            str(source_dir), BACKEND, python_executable=env.python_executable, runner=_runner(extra)
        )
        try:
            return hooks.build_wheel(str(out_dir), dict(config_settings or {}))
        except CommandFailed as failed:
            # The backend has said its error (maturin-cross: error: ...): it is not said twice.
            said = [line.removeprefix(PREFIX) for line in failed.output if line.startswith(PREFIX)]
            if said:
                raise Reported("\n".join(said), failed.returncode) from None
            raise
        except BackendUnavailable as err:
            last = (err.traceback.strip().splitlines() or ["no traceback"])[-1]
            raise BuildError(
                f"the isolated environment cannot import maturin-cross ({last}); check that "
                f"its dependencies installed"
            ) from None
