"""What a build is: the project, its settings, the target they name, the target's sysconfigdata
and sysroot, and whether it is a cross build. Decided once, before anything runs, and not changed
afterwards; every door asks here: the hooks through :func:`plan`, the command's ``inspect``,
``fix`` and ``test`` through :func:`read_settings` and :func:`aim` (what :func:`plan` is made of).

A relative path in a setting is anchored by :func:`maturin_cross.settings.paths.setting_path`:
to the working folder, or for a pyproject.toml value to the project's folder."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.errors import ConfigError
from maturin_cross.project.pyproject import Project
from maturin_cross.settings.model import Settings
from maturin_cross.settings.origin import Kind, Origin, Sourced, decide
from maturin_cross.settings.paths import setting_path
from maturin_cross.support.cachehome import cache_home
from maturin_cross.target import build_details, hostinfo, sysconfigdata
from maturin_cross.target.resolve import Target, resolve
from maturin_cross.target.spec import custom_target_spec
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot, inferred_from_sysconfigdata

ConfigSettings = Mapping[str, "str | list[str]"] | None

LIBRARIES = "libraries"
"""The folder of the cache (:func:`maturin_cross.support.cachehome.cache_home`) where what the
proof reads of a sysroot's libraries is kept (:mod:`maturin_cross.checks.libraries`)."""

DETAILS_PLATFORM = Origin(
    Kind.TARGET_FILE, "platform of build-details.json", name="build-details.json platform"
)


@dataclass(frozen=True)
class Aim:
    """Every decision about the target: what it is, the files that say so, and whether the
    build crosses to it."""

    target: Target
    sysconfigdata: SysconfigData | None
    """The target's, for a cross build with one."""
    sysroot: Sysroot | None
    """The target's root file system, for a cross build that names or implies one."""
    cross: bool
    """The settings or the environment name a target (else the target is this machine)."""
    llvm_target: str | None = None
    """The ``llvm-target`` of a custom target spec (a JSON file); None for a built-in target."""


@dataclass(frozen=True)
class Build:
    """A resolved build: the project, its settings and the :class:`Aim` they give."""

    project: Project
    settings: Settings
    aim: Aim

    @property
    def target(self) -> Target:
        return self.aim.target

    @property
    def sysconfigdata(self) -> SysconfigData | None:
        return self.aim.sysconfigdata

    @property
    def sysroot(self) -> Sysroot | None:
        return self.aim.sysroot

    @property
    def cross(self) -> bool:
        return self.aim.cross

    @property
    def source_dir(self) -> Path:
        return self.project.source_dir


def plan(
    source_dir: Path,
    config_settings: ConfigSettings,
    environ: Mapping[str, str],
    *,
    cwd: Path | None = None,
) -> Build:
    """The build of the project in ``source_dir``; relative paths in the settings are taken
    from ``cwd`` (the working folder by default)."""
    project = Project.read(source_dir)
    settings = Settings.from_sources(config_settings, environ, project.pyproject)
    return Build(project, settings, aim(settings, environ, cwd or Path.cwd(), source_dir))


def read_settings(
    config_settings: ConfigSettings,
    environ: Mapping[str, str],
    project_dir: Path,
    *,
    command_line: Mapping[str, str] | None = None,
) -> Settings:
    """The settings of the command line, the environment and ``project_dir``'s pyproject.toml:
    what :func:`plan` reads, for a door that has no project to build."""
    return Settings.from_sources(
        config_settings, environ, Project.read(project_dir).pyproject, command_line=command_line
    )


def aim(
    settings: Settings, environ: Mapping[str, str], cwd: Path, project_dir: Path | None = None
) -> Aim:
    """The target the settings and environment name, its sysconfigdata and sysroot; the host,
    natively, when nothing names one. ``cwd`` and ``project_dir`` anchor relative paths."""
    project_dir = project_dir or cwd
    given = settings.sourced("sysconfigdata")
    if given is not None:
        given = Sourced(str(setting_path(given, cwd, project_dir)), given.origin)
    crossenv = hostinfo.host_cross_sysconfigdata()
    located = sysconfigdata.locate(
        given, environ, cwd, crossenv=crossenv, module_path=hostinfo.host_module_path()
    )
    target_setting = settings.sourced("target")
    if located is None and target_setting is None:
        return Aim(hostinfo.host_target(settings.sourced("platform_tag")), None, None, False)
    llvm_target = (
        custom_target_spec(settings.target, environ, project_dir) if settings.target else None
    )
    data, details, notes = None, None, []
    if located is not None:
        data, details = build_details.read_target_file(*located)
        if details is not None and details.path != data.path:
            notes = build_details.disagreements(data, details)
    from_crossenv = crossenv is not None and data is not None and data.path == Path(crossenv.value)
    platform = decide(
        [
            Sourced(details.platform, DETAILS_PLATFORM) if details and details.platform else None,
            hostinfo.host_cross_platform() if from_crossenv else None,
            settings.sourced("platform_tag"),
        ]
    )
    target = resolve(
        data, rust_target=target_setting, platform_tag=platform, llvm_target=llvm_target
    )
    if notes:
        target = dataclasses.replace(target, notes=(*target.notes, *notes))
    root = sysroot_for(settings, data, cwd, project_dir)
    if root is not None:  # what the proof reads of its libraries is kept between builds
        root = dataclasses.replace(root, cache=cache_home(environ) / LIBRARIES)
    return Aim(target, data, root, True, llvm_target)


def sysroot_for(
    settings: Settings, data: SysconfigData | None, cwd: Path, project_dir: Path | None = None
) -> Sysroot | None:
    """The sysroot the settings name, else the one the target's sysconfigdata sits in."""
    given = settings.sourced("sysroot")
    if given is not None:
        path = setting_path(given, cwd, project_dir or cwd)
        if not path.is_dir():
            raise ConfigError(
                f"sysroot {given.value} (from {given.origin}) is not a folder; name the target's "
                f"root file system (the folder holding its usr/lib)"
            )
        return Sysroot(path.resolve(), str(given.origin))
    if data is None:
        return None
    return inferred_from_sysconfigdata(data.path, data.get_str("LIBDEST"))
