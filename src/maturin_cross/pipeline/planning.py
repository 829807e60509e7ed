"""What a build is: the project, its settings, the target they name and the target's
sysconfigdata. Decided once, before anything runs, and not changed afterwards."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.checks import proof
from maturin_cross.project.pyproject import Project
from maturin_cross.settings.model import Settings
from maturin_cross.settings.origin import Kind, Origin, Sourced, decide
from maturin_cross.target import hostinfo, sysconfigdata
from maturin_cross.target.resolve import Target, resolve
from maturin_cross.target.spec import custom_target_spec
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot

ConfigSettings = Mapping[str, "str | list[str]"] | None

DETAILS_PLATFORM = Origin(
    Kind.TARGET_FILE, "platform of build-details.json", name="build-details.json platform"
)


@dataclass(frozen=True)
class Build:
    """A resolved build."""

    project: Project
    settings: Settings
    target: Target
    sysconfigdata: SysconfigData | None
    """The target's, for a cross build with one."""
    sysroot: Sysroot | None = None
    """The target's root file system, for a cross build that names or implies one."""

    @property
    def cross(self) -> bool:
        return self.sysconfigdata is not None or self.settings.target is not None

    @property
    def source_dir(self) -> Path:
        return self.project.source_dir


def plan(source_dir: Path, config_settings: ConfigSettings, environ: Mapping[str, str]) -> Build:
    project = Project.read(source_dir)
    settings = Settings.from_sources(config_settings, environ, project.pyproject)
    target, data = target_for(settings, environ, source_dir)
    cross = data is not None or settings.target is not None
    root = proof.sysroot_for(settings, data, source_dir) if cross else None
    return Build(project, settings, target, data, root)


def target_for(
    settings: Settings, environ: Mapping[str, str], cwd: Path
) -> tuple[Target, SysconfigData | None]:
    """The target the settings and environment name, with its sysconfigdata; the host when
    nothing names one."""
    crossenv = hostinfo.host_cross_sysconfigdata()
    located = sysconfigdata.locate(
        settings.sourced("sysconfigdata"),
        environ,
        cwd,
        crossenv=crossenv,
        module_path=hostinfo.host_module_path(),
    )
    target_setting = settings.sourced("target")
    if located is None and target_setting is None:
        return hostinfo.host_target(settings.sourced("platform_tag")), None
    llvm_target = custom_target_spec(settings.target, environ, cwd) if settings.target else None
    data, details, notes = None, None, []
    if located is not None:
        data, details = sysconfigdata.read_target_file(*located)
        if details is not None and details.path != data.path:
            notes = sysconfigdata.disagreements(data, details)
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
    return target, data
