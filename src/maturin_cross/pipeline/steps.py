"""The hooks' work, which both doors share: plan -> the environment maturin and cargo see ->
maturin -> check/fix the wheel.

Each step returns a value the next one takes: :func:`maturin_cross.pipeline.planning.plan` a frozen
:class:`~maturin_cross.pipeline.planning.Build`, :func:`environment` the variables and notes of the
PyO3 and Rust setups, :func:`maturin_args` maturin's command line. Processes start through
:mod:`maturin_cross.support.processes`.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from maturin_cross.buildenv import pyo3_setup, remap, toolchain
from maturin_cross.buildenv.c_side import c_side
from maturin_cross.errors import BuildError, ConfigError
from maturin_cross.pipeline.planning import Build, ConfigSettings, plan
from maturin_cross.project.pyproject import read_pyproject
from maturin_cross.settings.model import Settings
from maturin_cross.support.processes import log, run
from maturin_cross.target import hostinfo
from maturin_cross.target.resolve import Target

if TYPE_CHECKING:
    from maturin_cross.checks import proof
    from maturin_cross.trial import prepare

AFTER_MATURIN = ("maturin_cross.pipeline.deliver", "maturin_cross.wheel.sbom")
"""What only the wheel's checks need (the proof, pyelftools, the zip reader and writer): loaded
on another thread while maturin builds (:func:`_load_meanwhile`), not before it starts."""


@dataclass(frozen=True)
class Environment:
    """What maturin and cargo are given beyond this process's environment, and what to say."""

    delta: Mapping[str, str]
    notes: tuple[str, ...] = ()
    explain: Callable[[str], str | None] | None = None
    """What to do about a failure of maturin, by its cause (a failed link: which linker)."""


def _config_folder(build: Build, environ: Mapping[str, str]) -> Path:
    """Where the PyO3 config file lives between builds: beside cargo's own output, so that the
    same build finds the same file and cargo has nothing to rebuild."""
    target_dir = environ.get("CARGO_TARGET_DIR")
    base = (
        build.source_dir / target_dir
        if target_dir
        else build.project.manifest_dir(build.settings.maturin) / "target"
    )
    return base / "maturin-cross"


def environment(
    build: Build, environ: Mapping[str, str], *, need_toolchain: bool = True
) -> Environment:
    """The environment of a cross build: the PyO3 setup (its file kept beside cargo's output),
    the Rust toolchain's, the C side's, and the target for cargo and maturin. Nothing for a
    native build."""
    if not build.cross:
        return Environment({}, build.target.notes)
    delta: dict[str, str] = {}
    notes = list(build.target.notes)
    if build.sysconfigdata is not None:
        pyo3 = pyo3_setup.setup(
            build.target,
            build.sysconfigdata,
            build.project,
            build.settings.maturin,
            _config_folder(build, environ),
            environ,
        )
        delta.update(pyo3.env)
        notes += pyo3.notes
    if build.sysroot is not None:
        c = c_side(build.target, build.sysroot, build.sysconfigdata, environ)
        delta.update(c.env)
        notes += c.notes
    explain = None
    if need_toolchain:
        rust = toolchain.setup_for(build.target.rust_target, environ)
        delta.update(rust.env)
        notes += rust.notes
        if build.aim.llvm_target is None:  # a JSON spec's linker is the spec's (or cargo's)
            link = _linker(build, environ)
            delta.update(link.env)
            notes += link.notes
            explain = link.explain
        same = _reproducible(build, environ, rust.sysroot)
        delta.update(same.env)
        notes += same.notes
    # maturin >= 1.7 takes the platform tag from here; older ones are retagged afterwards.
    delta["_PYTHON_HOST_PLATFORM"] = build.target.platform_tag.replace("_", "-", 1)
    delta["CARGO_BUILD_TARGET"] = build.target.rust_target
    return Environment(delta, tuple(notes), explain)


def _reproducible(
    build: Build, environ: Mapping[str, str], rust_sysroot: Path | None
) -> remap.Reproducible:
    """The same bytes from any folder: the cargo home and Rust's sources remapped, the zip's
    time fixed."""
    start = build.project.manifest_dir(build.settings.maturin)
    home = environ.get("CARGO_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".cargo"
    )
    folders = remap.Folders(cargo_home=Path(home).absolute(), rust_sysroot=rust_sysroot)
    configs = toolchain.cargo_configs(start, environ)
    return remap.setup(build.target.rust_target, folders, environ, configs)


def _linker(build: Build, environ: Mapping[str, str]) -> toolchain.LinkerSetup:
    """The target's linker, its gcc named by the target's GNU types: the multiarch (Debian's
    cross gcc, most toolchains' prefix), then HOST_GNU_TYPE (the build machine's guess of the
    target, ``armv8l-unknown-linux-gnueabihf`` in Debian's armhf Python)."""
    data = build.sysconfigdata
    host = data.get_str("HOST_GNU_TYPE") if data is not None else None
    gnu_types = [t for t in (build.target.multiarch, host) if t]
    start = build.project.manifest_dir(build.settings.maturin)
    return toolchain.linker_for(build.target.rust_target, gnu_types, start, environ)


def maturin_args(build: Build, editable: bool) -> list[str]:
    """The build arguments, after what maturin-cross adds unless they say it."""
    given = build.settings.maturin
    extra: list[str] = []
    if not given.compatibility:
        extra += ["--compatibility", "off"]
    if not given.interpreter:
        python = build.target.python
        if build.cross and python is not None:
            # A path is refused by maturin 1.7 when cross compiling; the config file decides anyway.
            extra += ["-i", f"python{python.version_text}"]
        elif not build.cross:
            extra += ["-i", hostinfo.host_python()]
    if build.cross:
        extra += ["--target", build.target.rust_target]
    if editable:
        extra.append("--editable")
    return extra + list(given.args)


def _maturin(
    build_settings: Settings,
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    explain: Callable[[str], str | None] | None = None,
) -> None:
    run(
        [*hostinfo.maturin_program(), *args],
        env_delta=env,
        cwd=cwd,
        stream=not build_settings.quiet,
        verbose=build_settings.verbose,
        what="maturin",
        explain=explain,
    )


def _scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="maturin-cross-", ignore_cleanup_errors=True)


def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings,
    metadata_directory: str | None = None,
    *,
    editable: bool = False,
    source_dir: Path | None = None,
) -> str:
    """Build, check and correct one wheel; return its file name in ``wheel_directory``."""
    source = (source_dir or Path.cwd()).resolve()
    build = plan(source, config_settings, os.environ)
    if editable and build.cross:
        raise ConfigError(
            f"an editable install runs on this machine, but the build targets "
            f"{build.target.rust_target} (from {build.target.sources.get('rust_target')}); "
            f"build a wheel instead, or unset the target for a native editable install"
        )
    log(f"target {build.target.describe()}, {build.target.platform_tag}")
    out_dir = Path(wheel_directory).resolve()
    with _scratch() as folder:
        scratch = Path(folder)
        env = environment(build, os.environ)
        for note in env.notes:
            log(note)
        maturin_out = scratch / "maturin-out"
        maturin_out.mkdir()
        args = maturin_args(build, editable)
        loading = _load_meanwhile(AFTER_MATURIN)  # while maturin builds
        _maturin(
            build.settings,
            *("pep517", "build-wheel", *args, "--out", str(maturin_out)),
            env=env.delta,
            cwd=source,
            explain=env.explain,
        )
        loading.join()
        from maturin_cross.pipeline.deliver import deliver
        from maturin_cross.wheel import sbom

        wheels = sorted(maturin_out.glob("*.whl"))
        if len(wheels) != 1:
            raise BuildError(
                f"maturin wrote {len(wheels)} wheels "
                f"({', '.join(w.name for w in wheels) or 'none'}) where one was expected; "
                f"pass one interpreter and one target"
            )
        if build.cross:  # the project's folder out of maturin's SBOM, as out of the code
            sbom.remap_sboms(wheels[0], build.source_dir, remap.REMAPPED_TO["source"])
        delivered = deliver(
            wheels[0],
            build.target,
            build.sysroot,
            out_dir,
            check_only=build.settings.check == "check",
            trial=_trial(build) if build.cross and build.settings.test == "import" else None,
            max_unpacked=build.settings.max_unpacked_bytes,
            python=build.sysconfigdata,
        )
        for line in delivered.changes:
            log(line)
        if build.cross:
            _log_proof(delivered.proof)
        final = delivered.path
    log(f"wrote {final}")
    return final.name


def _load_meanwhile(modules: Sequence[str]) -> threading.Thread:
    """Import ``modules`` on another thread, started now: this one waits on maturin meanwhile,
    so their loading takes the time of neither (a no-op rebuild spends as long loading them as
    maturin takes). An import that fails there fails again, with its error, where the module is
    imported for use."""

    def load() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError:
                return

    thread = threading.Thread(target=load, name="maturin-cross-load", daemon=True)
    thread.start()
    return thread


def _log_proof(checked: proof.Proof) -> None:
    for note in checked.notes:
        log(note)
    if checked.sysroot is not None:
        needs = sum(len(report.found) for report in checked.reports)
        log(
            f"every library the wheel's {len(checked.reports)} binaries need ({needs} in all) is "
            f"in {checked.sysroot.root} or the wheel, with the symbol versions they require"
        )
    if checked.symbols and all(r.checked and not r.unresolved for r in checked.symbols):
        count = sum(len(names) for r in checked.symbols for names in r.bound.values())
        log(
            f"every symbol they leave undefined ({count} in all) is defined by the target's "
            "Python or a library they load"
        )


def _trial(build: Build) -> Callable[[Path], None]:
    """Trying a wheel on the target (the ``test = "import"`` setting)."""

    from maturin_cross.checks import proof
    from maturin_cross.trial import launch

    sysroot = build.sysroot

    def trial(path: Path) -> None:
        if sysroot is None:
            raise ConfigError(
                "test = import needs the target's sysroot, with its Python in it; "
                + proof.NO_SYSROOT
            )
        outcome = launch.try_wheels([path], build.target, sysroot, os.environ)
        verdict = judge_trial(outcome, [path], build.target)
        for line in verdict.imported:
            log(line)
        if verdict.failure is not None:
            sys.stderr.write(outcome.stdout + outcome.stderr)
            raise BuildError(f"{verdict.failure}; the wheel is not written")

    return trial


@dataclass(frozen=True)
class Verdict:
    """What a trial on the target means, for both doors that run one (``maturin-cross test``
    and ``-C test=import``)."""

    imported: tuple[str, ...]
    """One line per module imported in the target's Python."""
    failure: str | None
    """Why the trial failed, in one line (the target's last word); None when it passed."""


def judge_trial(outcome: prepare.Outcome, wheels: Sequence[Path], target: Target) -> Verdict:
    """The one reading of a trial's outcome."""
    how = f"{outcome.how} ({target.rust_target})"
    imported = tuple(f"imported {name} in the target's Python {how}" for name in outcome.imported)
    if not outcome.exit_code:
        return Verdict(imported, None)
    last = next((ln for ln in reversed(outcome.stderr.splitlines()) if ln.strip()), "")
    names = ", ".join(wheel.name for wheel in wheels)
    failure = f"{names} failed on {target.rust_target} {outcome.how}: {last.strip()}"
    return Verdict(imported, failure)


def build_sdist(sdist_directory: str, config_settings: ConfigSettings) -> str:
    source = Path.cwd().resolve()
    settings = Settings.from_sources(config_settings, os.environ, read_pyproject(source))
    out_dir = Path(sdist_directory).resolve()
    with _scratch() as folder:
        scratch = Path(folder)
        _maturin(
            settings, "pep517", "write-sdist", "--sdist-directory", str(scratch), env={}, cwd=source
        )
        made = sorted(scratch.glob("*.tar.gz"))
        if len(made) != 1:
            raise BuildError(f"maturin wrote {len(made)} sdists where one was expected")
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / made[0].name
        shutil.move(str(made[0]), final)
    return final.name


def prepare_metadata(
    metadata_directory: str, config_settings: ConfigSettings, *, editable: bool = False
) -> str:
    """maturin's dist-info, with the WHEEL tags of the target."""
    source = Path.cwd().resolve()
    build = plan(source, config_settings, os.environ)
    out_dir = Path(metadata_directory).resolve()
    with _scratch() as folder:
        scratch = Path(folder)
        env = environment(build, os.environ, need_toolchain=False)
        meta = scratch / "meta"
        meta.mkdir()
        args = maturin_args(build, editable=False)
        _maturin(
            build.settings,
            *("pep517", "write-dist-info", "--metadata-directory", str(meta), *args),
            env=env.delta,
            cwd=source,
        )
        dist_infos = [p for p in meta.iterdir() if p.name.endswith(".dist-info")]
        if len(dist_infos) != 1:
            raise BuildError(f"maturin wrote {len(dist_infos)} .dist-info folders, expected one")
        wheel_file = dist_infos[0] / "WHEEL"
        from maturin_cross.checks import repair

        wheel_file.write_text(
            repair.retag_wheel_metadata(wheel_file.read_text(encoding="utf-8"), build.target),
            encoding="utf-8",
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / dist_infos[0].name
        if final.exists():
            shutil.rmtree(final)
        shutil.move(str(dist_infos[0]), final)
    return final.name


def get_requires(config_settings: ConfigSettings) -> list[str]:
    # maturin-cross depends on maturin; nothing else is needed to build a wheel.
    return []
