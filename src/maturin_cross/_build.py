"""The pipeline both doors share: settings -> target -> PyO3 config -> maturin -> check/fix.

This is the one place that reads the host (``sys.executable``, ``sysconfig``, ``os.environ``)
and starts processes (through :mod:`maturin_cross._run`); the modules it calls are pure.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maturin_cross import pyo3_config, repair
from maturin_cross import sysconfigdata as sysconfigdata_mod
from maturin_cross._run import capture, log, run
from maturin_cross.errors import BuildError, ConfigError, MaturinCrossError
from maturin_cross.settings import Settings
from maturin_cross.target import Target, resolve

ConfigSettings = Mapping[str, "str | list[str]"] | None


@dataclass
class Plan:
    """A resolved build: the target and what maturin is run with."""

    source_dir: Path
    settings: Settings
    target: Target
    cross: bool
    sysconfig_vars: Mapping[str, object] | None = None
    pyproject: Mapping[str, Any] = field(default_factory=dict)
    env_delta: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Reading the host and the project


def read_pyproject(source_dir: Path) -> dict[str, Any]:
    path = source_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    from maturin_cross._toml import TOMLDecodeError, loads

    try:
        return loads(path.read_text(encoding="utf-8"))
    except (TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file") from None


def host_target() -> Target:
    """The machine this runs on, from the running interpreter: what a native build is checked
    against."""
    vars = sysconfig.get_config_vars()
    return resolve(
        vars=vars,
        sysconfigdata="the running interpreter",
        platform_tag=(sysconfig.get_platform(), "sysconfig.get_platform()"),
    )


CROSSENV = "crossenv (sys.cross_compiling)"


def host_cross_sysconfigdata() -> tuple[Path, str] | None:
    """The target's sysconfigdata when this interpreter is a crossenv cross-python: crossenv
    sets ``sys.cross_compiling`` and removes ``_PYTHON_SYSCONFIGDATA_NAME`` from the environment
    as it starts, so the file is found where its patched ``sysconfig`` finds it. The file is
    still parsed, never imported here."""
    import importlib.util

    if not getattr(sys, "cross_compiling", False):
        return None
    name_of = getattr(sysconfig, "_get_sysconfigdata_name", None)
    name = name_of() if callable(name_of) else None
    spec = importlib.util.find_spec(name) if isinstance(name, str) else None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin), CROSSENV


def target_for(
    settings: Settings, environ: Mapping[str, str], cwd: Path
) -> tuple[Target, Mapping[str, object] | None]:
    """The target the settings and environment name, with its sysconfigdata variables; the host
    when nothing names one."""
    explicit = (
        (settings.sysconfigdata, settings.origin("sysconfigdata"))
        if settings.sysconfigdata
        else None
    )
    located = sysconfigdata_mod.locate(explicit, environ, cwd) or host_cross_sysconfigdata()
    host_platform = environ.get("_PYTHON_HOST_PLATFORM") or None
    if located is not None and located[1] == CROSSENV:
        host_platform = host_platform or sysconfig.get_platform()
    target_setting = (settings.target, settings.origin("target")) if settings.target else None
    if located is None and target_setting is None:
        return host_target(), None
    llvm_target = custom_target_spec(settings.target, environ, cwd) if settings.target else None
    platform = (
        (settings.platform_tag, settings.origin("platform_tag")) if settings.platform_tag else None
    )
    data, details, notes = None, None, []
    if located is not None:
        data, details = sysconfigdata_mod.read_target_file(*located)
        if details is not None and details.path != data.path:
            notes = sysconfigdata_mod.disagreements(data, details)
    target = resolve(
        vars=data.vars if data else None,
        sysconfigdata=str(data.path) if data else None,
        sysconfigdata_origin=data.origin if data else None,
        rust_target=target_setting,
        platform_tag=platform,
        host_platform=host_platform,
        details_platform=details.platform if details else None,
        llvm_target=llvm_target,
    )
    if notes:
        target = dataclasses.replace(target, notes=(*target.notes, *notes))
    return target, data.vars if data else None


def custom_target_spec(target: str, environ: Mapping[str, str], cwd: Path) -> str | None:
    """The ``llvm-target`` of a custom target spec, as cargo finds one: ``target`` is a path to a
    JSON file, or ``<target>.json`` is in a folder of RUST_TARGET_PATH. None for a built-in."""
    import json

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


def plan(source_dir: Path, config_settings: ConfigSettings, environ: Mapping[str, str]) -> Plan:
    pyproject = read_pyproject(source_dir)
    settings = Settings.from_sources(config_settings, environ, pyproject)
    target, vars = target_for(settings, environ, source_dir)
    cross = vars is not None or settings.target is not None
    return Plan(source_dir, settings, target, cross, vars, pyproject, notes=list(target.notes))


# ------------------------------------------------------------------------------------------------
# Preparing the environment maturin and cargo see


def _manifest_dir(plan: Plan) -> Path:
    args = list(plan.settings.build_args)
    for flag in ("-m", "--manifest-path"):
        if flag in args[:-1]:
            return (plan.source_dir / args[args.index(flag) + 1]).parent
    for arg in args:
        if arg.startswith("--manifest-path="):
            return (plan.source_dir / arg.split("=", 1)[1]).parent
    manifest = plan.pyproject.get("tool", {}).get("maturin", {}).get("manifest-path")
    if isinstance(manifest, str):
        return (plan.source_dir / manifest).parent
    return plan.source_dir


def _features(plan: Plan) -> list[str]:
    features = [
        str(f) for f in plan.pyproject.get("tool", {}).get("maturin", {}).get("features", [])
    ]
    args = list(plan.settings.build_args)
    for index, arg in enumerate(args):
        if arg in ("-F", "--features") and index + 1 < len(args):
            features += args[index + 1].replace(",", " ").split()
        elif arg.startswith("--features="):
            features += arg.split("=", 1)[1].replace(",", " ").split()
    return features


def _lib_dir(target: Target, vars: Mapping[str, object], environ: Mapping[str, str]) -> str:
    """A host folder with the target's libpython (pyo3's ``lib_dir``): the sysroot's LIBDIR when
    the sysconfigdata sits in a sysroot, else PYO3_CROSS_LIB_DIR, else the file's folder."""
    assert target.sysconfigdata is not None
    data_dir = Path(target.sysconfigdata).parent
    libdest = vars.get("LIBDEST")
    libdir = vars.get("LIBDIR")
    candidates: list[Path] = []
    if isinstance(libdest, str) and isinstance(libdir, str) and libdest.startswith("/"):
        text = str(data_dir)
        if text.endswith(libdest.rstrip("/")):
            root = text[: len(text) - len(libdest.rstrip("/"))]
            candidates.append(Path(root + libdir))
    if isinstance(libdir, str) and libdir.startswith("/"):
        candidates.append(Path(libdir))
    if environ.get("PYO3_CROSS_LIB_DIR"):
        candidates.append(Path(environ["PYO3_CROSS_LIB_DIR"]))
    ldlibrary = vars.get("LDLIBRARY")
    for candidate in candidates:
        if isinstance(ldlibrary, str) and (candidate / ldlibrary).exists():
            return str(candidate)
    return str(candidates[-1] if environ.get("PYO3_CROSS_LIB_DIR") else data_dir)


def write_pyo3_config(plan: Plan, folder: Path, environ: Mapping[str, str]) -> Path:
    """Write the target's PYO3_CONFIG_FILE and set the PYO3_CROSS* variables to agree."""
    assert plan.sysconfig_vars is not None
    manifest_dir = _manifest_dir(plan)
    lock = pyo3_config.find_cargo_lock(manifest_dir)
    pyo3_version = (
        pyo3_config.locked_pyo3_version(lock.read_text(encoding="utf-8"), str(lock))
        if lock
        else None
    )
    cargo_toml = manifest_dir / "Cargo.toml"
    abi3 = cargo_toml.is_file() and pyo3_config.uses_abi3(
        cargo_toml.read_text(encoding="utf-8"), _features(plan)
    )
    base: dict[str, str] = {}
    existing = environ.get("PYO3_CONFIG_FILE")
    if existing:
        try:
            base = pyo3_config.parse_config(
                Path(existing).read_text(encoding="utf-8"), f"PYO3_CONFIG_FILE={existing}"
            )
        except OSError as err:
            raise ConfigError(
                f"PYO3_CONFIG_FILE={existing} cannot be read ({err.strerror}); fix or unset it"
            ) from None
        plan.notes.append(
            f"PYO3_CONFIG_FILE={existing} replaced by one written from {plan.target.sysconfigdata} "
            f"(its other keys kept)"
        )
    lib_dir = _lib_dir(plan.target, plan.sysconfig_vars, environ)
    values = pyo3_config.config_values(
        plan.target,
        plan.sysconfig_vars,
        lib_dir=lib_dir,
        pyo3_version=pyo3_version,
        abi3=abi3,
        base=base,
    )
    if not pyo3_config.tolerates_unknown_keys(pyo3_version):
        plan.notes.append(
            "the locked pyo3 is unknown or older than 0.18.1, so the config file has no "
            "ext_suffix; the module is renamed after the build if needed"
        )
    path = folder / f"pyo3-config-{plan.target.rust_target}.txt"
    path.write_text(pyo3_config.render(values), encoding="utf-8")
    assert plan.target.python is not None
    plan.env_delta.update(
        {
            "PYO3_CONFIG_FILE": str(path.resolve()),
            "PYO3_CROSS": "1",
            "PYO3_CROSS_LIB_DIR": lib_dir,
            "PYO3_CROSS_PYTHON_VERSION": plan.target.python.version_text
            + ("t" if plan.target.python.free_threaded else ""),
            "PYO3_CROSS_PYTHON_IMPLEMENTATION": plan.target.python.implementation,
        }
    )
    return path


def rust_toolchain_env(triple: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Make sure a Rust standard library for ``triple`` is reachable; pick the rustup toolchain
    that has one when the default does not. Custom triples (JSON specs) are not checked."""
    targets = capture(["rustc", "--print", "target-list"])
    if targets is None:
        raise BuildError(
            "cannot run rustc; install a Rust toolchain (rustup, or Debian's rustc-web) "
            "and put it on PATH"
        )
    if triple not in targets.split():
        return {}
    sysroot = (capture(["rustc", "--print", "sysroot"]) or "").strip()
    if sysroot and (Path(sysroot) / "lib" / "rustlib" / triple / "lib").is_dir():
        return {}
    if not environ.get("RUSTUP_TOOLCHAIN"):
        listing = capture(["rustup", "toolchain", "list", "-v"]) or ""
        for line in listing.splitlines():
            words = line.split()
            if len(words) >= 2 and (Path(words[-1]) / "lib" / "rustlib" / triple / "lib").is_dir():
                log(f"using rustup toolchain {words[0]}: it has the standard library for {triple}")
                return {"RUSTUP_TOOLCHAIN": words[0]}
    raise BuildError(
        f"no Rust standard library for {triple} in {sysroot or 'the active toolchain'} "
        f"(nor in another rustup toolchain); run 'rustup target add {triple}' or install "
        f"Debian's libstd-rust-web-dev for the target (tools/provision-cross.sh)"
    )


# ------------------------------------------------------------------------------------------------
# The hooks' work


def _maturin(*args: str) -> list[str]:
    return [*_maturin_program(), *args]


@functools.cache
def _maturin_program() -> tuple[str, ...]:
    """maturin's program as its installed files name it: ``python -m maturin`` looks in
    sysconfig's script folder, which a crossenv cross-python points at the target side."""
    from importlib import metadata

    try:
        distribution = metadata.distribution("maturin")
    except metadata.PackageNotFoundError:
        raise BuildError(
            "maturin is not installed for this Python; install it (pip install maturin)"
        ) from None
    for file in distribution.files or ():
        if file.name == "maturin" and "bin" in file.parts:
            program = Path(str(distribution.locate_file(file))).resolve()
            if program.is_file() and os.access(program, os.X_OK):
                return (str(program),)
    return (sys.executable, "-m", "maturin")


@contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="maturin-cross-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _maturin_args(plan: Plan, editable: bool) -> list[str]:
    args = list(plan.settings.build_args)
    extra: list[str] = []
    if not any(a.startswith(("--compatibility", "--manylinux")) for a in args):
        extra += ["--compatibility", "off"]
    if not any(a in ("-i", "--interpreter") or a.startswith("--interpreter=") for a in args):
        python = plan.target.python
        if plan.cross and python is not None:
            # A path is refused by maturin 1.7 when cross compiling; the config file decides anyway.
            extra += ["-i", f"python{python.version_text}"]
        elif not plan.cross:
            extra += ["-i", sys.executable]
    if plan.cross:
        extra += ["--target", plan.target.rust_target]
    if editable:
        extra.append("--editable")
    return extra + args


def _prepare_env(plan: Plan, scratch: Path, *, need_toolchain: bool = True) -> None:
    environ = os.environ
    if plan.cross:
        if plan.sysconfig_vars is not None:
            write_pyo3_config(plan, scratch, environ)
        if need_toolchain:
            plan.env_delta.update(rust_toolchain_env(plan.target.rust_target, environ))
        # maturin >= 1.7 takes the platform tag from here; older ones are retagged afterwards.
        plan.env_delta["_PYTHON_HOST_PLATFORM"] = plan.target.platform_tag.replace("_", "-", 1)
        plan.env_delta["CARGO_BUILD_TARGET"] = plan.target.rust_target


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
    with _scratch() as scratch:
        _prepare_env(build, scratch)
        for note in build.notes:
            log(note)
        maturin_out = scratch / "maturin-out"
        maturin_out.mkdir()
        run(
            _maturin(
                "pep517", "build-wheel", *_maturin_args(build, editable), "--out", str(maturin_out)
            ),
            env_delta=build.env_delta,
            cwd=source,
            verbose=build.settings.verbose,
            what="maturin",
        )
        wheels = sorted(maturin_out.glob("*.whl"))
        if len(wheels) != 1:
            raise BuildError(
                f"maturin wrote {len(wheels)} wheels "
                f"({', '.join(w.name for w in wheels) or 'none'}) where one was expected; "
                f"pass one interpreter and one target"
            )
        checked = scratch / "checked"
        checked.mkdir()
        result = repair.fix_wheel(
            wheels[0], build.target, checked, check_only=build.settings.check == "check"
        )
        for line in result.changes:
            log(line)
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / result.path.name
        shutil.move(str(result.path), final)
    log(f"wrote {final}")
    return final.name


def build_sdist(sdist_directory: str, config_settings: ConfigSettings) -> str:
    source = Path.cwd().resolve()
    settings = Settings.from_sources(config_settings, os.environ, read_pyproject(source))
    out_dir = Path(sdist_directory).resolve()
    with _scratch() as scratch:
        run(
            _maturin("pep517", "write-sdist", "--sdist-directory", str(scratch)),
            cwd=source,
            verbose=settings.verbose,
            what="maturin",
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
    with _scratch() as scratch:
        _prepare_env(build, scratch, need_toolchain=False)
        meta = scratch / "meta"
        meta.mkdir()
        args = [a for a in _maturin_args(build, editable) if a != "--editable"]
        run(
            _maturin("pep517", "write-dist-info", "--metadata-directory", str(meta), *args),
            env_delta=build.env_delta,
            cwd=source,
            verbose=build.settings.verbose,
            what="maturin",
        )
        dist_infos = [p for p in meta.iterdir() if p.name.endswith(".dist-info")]
        if len(dist_infos) != 1:
            raise BuildError(f"maturin wrote {len(dist_infos)} .dist-info folders, expected one")
        wheel_file = dist_infos[0] / "WHEEL"
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


# Runs the build inside an isolated environment; writes the wheel's file name, or our error
# (its class and message) for the parent to raise as it is, so it is said once.
_ISOLATED_RUNNER = """
import json, pathlib, sys
from maturin_cross import _build, errors
args = json.loads(sys.argv[1])
try:
    name = _build.build_wheel(args["out"], args["config"])
except errors.MaturinCrossError as err:
    kind = type(err).__name__
    pathlib.Path(args["error"]).write_text(json.dumps([kind, str(err)]), encoding="utf-8")
    sys.exit(1)
pathlib.Path(args["result"]).write_text(name, encoding="utf-8")
"""


def isolated_requirements(pyproject: Mapping[str, Any]) -> list[str]:
    """The project's build requirements (whatever backend it declares; maturin-cross itself is
    not installed from an index but copied in), plus maturin-cross's own dependencies."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    declared = pyproject.get("build-system", {}).get("requires", [])
    wanted: list[str] = []
    for text in declared:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            raise ConfigError(
                f"pyproject.toml: build-system.requires has {text!r}, not a requirement; fix it"
            ) from None
        if name != "maturin-cross":
            wanted.append(text)
    own = [
        r
        for r in metadata.requires("maturin-cross") or []
        if "extra ==" not in r and not r.startswith("maturin")
    ]
    names = {canonicalize_name(Requirement(r).name) for r in wanted}
    if "maturin" not in names:
        wanted.append("maturin>=1.4")
    return wanted + [r for r in own if canonicalize_name(Requirement(r).name) not in names]


_CROSS_PYTHON_VARIABLES = (
    "_PYTHON_SYSCONFIGDATA_NAME",
    "_PYTHON_HOST_PLATFORM",
    "_PYTHON_PROJECT_BASE",
)


def build_isolated(source_dir: Path, out_dir: Path, config_settings: ConfigSettings) -> str:
    """``maturin-cross build`` without --no-isolation: a fresh virtual environment with the
    project's build requirements, in which this package's build_wheel hook runs."""
    import json

    requirements = isolated_requirements(read_pyproject(source_dir))
    # venv and pip are the host's own business: a cross environment's variables (Yocto's
    # _PYTHON_SYSCONFIGDATA_NAME makes the host python read the target's configuration) stay
    # out of them, and reach the build itself unchanged.
    host_only: dict[str, str | None] = {name: None for name in _CROSS_PYTHON_VARIABLES}
    with _scratch() as scratch:
        env_dir = scratch / "env"
        run(
            [sys.executable, "-m", "venv", str(env_dir)],
            env_delta=host_only,
            what="creating the build environment",
        )
        python = env_dir / "bin" / "python"
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *requirements,
            ],
            env_delta=host_only,
            what="installing the build requirements",
            hint=f"pip could not install {' '.join(requirements)}",
        )
        own = scratch / "self" / "maturin_cross"
        shutil.copytree(Path(__file__).parent, own, ignore=shutil.ignore_patterns("__pycache__"))
        result, error = scratch / "wheel-name", scratch / "error"
        args = json.dumps(
            {
                "out": str(out_dir),
                "config": dict(config_settings or {}),
                "result": str(result),
                "error": str(error),
            }
        )
        try:
            run(
                [str(python), "-c", _ISOLATED_RUNNER, args],
                env_delta={
                    "PYTHONPATH": os.pathsep.join(
                        filter(None, [str(own.parent), os.environ.get("PYTHONPATH")])
                    )
                },
                cwd=source_dir,
                verbose=True,
                what="the isolated build",
            )
        except BuildError:
            if error.is_file():
                kind, message = json.loads(error.read_text(encoding="utf-8"))
                raise _error_class(kind)(message) from None
            raise
        if not result.is_file():
            raise BuildError("the isolated build reported no wheel; see its output above")
        return result.read_text(encoding="utf-8").strip()


def _error_class(name: str) -> type[MaturinCrossError]:
    from maturin_cross import errors

    found = getattr(errors, name, None)
    if isinstance(found, type) and issubclass(found, MaturinCrossError):
        return found
    return BuildError


def get_requires(config_settings: ConfigSettings) -> list[str]:
    # maturin-cross depends on maturin; nothing else is needed to build a wheel.
    return []
