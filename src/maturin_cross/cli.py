"""The ``maturin-cross`` command: ``build``, ``inspect``, ``fix``, ``init``.

Exit codes: 0 success; 1 a build failed or a wheel was refused (or, with ``fix --check``, would
change); 2 usage errors (bad arguments, bad settings).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maturin_cross.target import Target

PROG = "maturin-cross"


def _config_pairs(values: list[str] | None) -> dict[str, str | list[str]]:
    from maturin_cross.errors import UsageError

    settings: dict[str, str | list[str]] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(
                f"-C {item!r}: expected KEY=VALUE (e.g. -C target=armv7-unknown-linux-gnueabihf)"
            )
        if key in ("build-args", "maturin.build-args") and key in settings:
            previous = settings[key]
            settings[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            settings[key] = value
    return settings


def _target_settings(args: argparse.Namespace) -> dict[str, str | list[str]]:
    settings = _config_pairs(getattr(args, "config_setting", None))
    for key, attr in (
        ("sysconfigdata", "sysconfigdata"),
        ("target", "target"),
        ("platform-tag", "platform_tag"),
    ):
        value = getattr(args, attr, None)
        if value:
            settings[key] = value
    return settings


def _names_target(args: argparse.Namespace) -> bool:
    """Whether the command line names a target: --sysconfigdata/--target or their -C pairs."""
    settings = _target_settings(args)
    return bool(settings.get("sysconfigdata") or settings.get("target"))


def _resolve(
    args: argparse.Namespace, source_dir: Path
) -> tuple[Target, Mapping[str, object] | None]:
    from maturin_cross import _build
    from maturin_cross.settings import Settings

    flags = {
        key: f"--{key}"
        for key in ("sysconfigdata", "target", "platform-tag")
        if getattr(args, key.replace("-", "_"), None)
    }
    settings = Settings.from_sources(
        _target_settings(args), os.environ, _build.read_pyproject(source_dir), labels=flags
    )
    return _build.target_for(settings, os.environ, source_dir)


# ------------------------------------------------------------------------------------------------
# inspect


def target_json(target: Target) -> dict[str, Any]:
    python = target.python
    elf = target.elf
    return {
        "rust_target": target.rust_target,
        "multiarch": target.rust.triplet.cpython_multiarch,
        "ext_suffix": target.expected_ext_suffix,
        "platform_tag": target.platform_tag,
        "python_tag": python.python_tag if python else None,
        "abi_tag": python.abi_tag if python else None,
        "python_version": python.version_text if python else None,
        "abiflags": python.abiflags if python else None,
        "free_threaded": python.free_threaded if python else None,
        "implementation": python.implementation if python else None,
        "pointer_width": target.pointer_width,
        "machine": target.rust.machine,
        "elf": {
            "machine": elf.machine,
            "bits": elf.bits,
            "endianness": "little" if elf.little_endian else "big",
            "abi": elf.abi,
        },
        "sysconfigdata": target.sysconfigdata,
        "sources": dict(target.sources),
        "notes": list(target.notes),
    }


def cmd_inspect(args: argparse.Namespace) -> int:
    if (args.path is not None and args.path.suffix in (".whl",)) or (
        args.path is not None and ".so" in args.path.name
    ):
        return _inspect_file(args)
    target, _ = _resolve(args, Path.cwd())
    data = target_json(target)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    width = max(len(k) for k in data)
    for key, value in data.items():
        if key in ("sources", "notes", "elf"):
            continue
        source = target.sources.get(key)
        print(
            f"{key:<{width}}  {value if value is not None else '-'}"
            + (f"    ({source})" if source else "")
        )
    print(f"{'elf':<{width}}  {target.elf.describe()}")
    for note in target.notes:
        print(f"note: {note}")
    return 0


def _inspect_file(args: argparse.Namespace) -> int:
    from maturin_cross import elf, repair

    path: Path = args.path
    has_target = _names_target(args) or bool(os.environ.get("MATURIN_CROSS_SYSCONFIGDATA"))
    target = _resolve(args, Path.cwd())[0] if has_target else None
    if path.suffix == ".whl":
        contents, elves = repair.read(path)
        report: dict[str, Any] = {
            "wheel": contents.filename,
            "tags": sorted(str(t) for t in contents.tags),
            "shared_objects": [],
        }
        objects: list[tuple[str, Any]] = []
        for member in contents.entries:
            if ".so" in Path(member).name:
                try:
                    found = elves.get(member) or repair.read_member_elf(contents, member)
                    if isinstance(found, elf.ElfError):
                        raise found
                    objects.append((member, found))
                except elf.ElfError as err:
                    objects.append((member, str(err)))
        if target is not None:
            plan = repair.examine(contents, target, elves)
            report["target"] = target.rust_target
            report["problems"] = plan.problems
            report["changes"] = plan.changes
    else:
        try:
            data = path.read_bytes()
        except OSError as err:
            print(f"{PROG}: error: cannot read {path}: {err.strerror}", file=sys.stderr)
            return 2
        report = {"file": str(path), "shared_objects": []}
        try:
            info = elf.read_elf(data, str(path))
        except elf.ElfError as err:
            # What the file is, is the finding: exit 1 as for a refused wheel.
            objects = [(path.name, str(err))]
            report["problems"] = [str(err)]
        else:
            objects = [(path.name, info)]
            if target is not None:
                report["target"] = target.rust_target
                report["problems"] = elf.check_fits(info, target.elf, str(path), target.rust_target)
    for member, info in objects:
        if isinstance(info, str):
            report["shared_objects"].append({"path": member, "error": info})
        else:
            report["shared_objects"].append(
                {
                    "path": member,
                    "elf": info.describe(),
                    "machine": info.machine,
                    "bits": info.bits,
                    "endianness": "little" if info.little_endian else "big",
                    "abi": info.abi,
                    "pyinit": list(info.pyinit_symbols),
                }
            )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(report.get("wheel") or report.get("file"))
        if "tags" in report:
            print("  tags: " + ", ".join(report["tags"]))
        for obj in report["shared_objects"]:
            detail = obj.get("error") or f"{obj['elf']}; PyInit: {', '.join(obj['pyinit']) or '-'}"
            print(f"  {obj['path']}: {detail}")
        for line in report.get("problems", []):
            print(f"  problem: {line}")
        for line in report.get("changes", []):
            print(f"  would change: {line}")
    return 1 if report.get("problems") else 0


# ------------------------------------------------------------------------------------------------
# fix


def cmd_fix(args: argparse.Namespace) -> int:
    from maturin_cross import repair
    from maturin_cross.errors import UsageError, WheelError

    if not _names_target(args):
        raise UsageError(
            "fix needs the target: --sysconfigdata FILE or --target TRIPLE "
            "(or -C sysconfigdata=FILE / -C target=TRIPLE)"
        )
    target, _ = _resolve(args, Path.cwd())
    out_dir = Path(args.wheel_dir)
    status = 0
    for path in args.wheels:
        if not path.is_file():
            print(f"{PROG}: error: {path}: no such wheel", file=sys.stderr)
            status = max(status, 1)
            continue
        try:
            if args.check:
                contents, elves = repair.read(path)
                plan = repair.examine(contents, target, elves)
                if plan.problems:
                    raise WheelError(plan.problems)
                for change in plan.changes:
                    print(f"{path}: would change: {change}")
                if plan.needs_change:
                    status = max(status, 1)
                else:
                    print(f"{path}: ok for {target.rust_target}")
                continue
            result = repair.fix_wheel(path, target, out_dir)
        except WheelError as err:
            for line in err.problems:
                print(f"{PROG}: error: {line}", file=sys.stderr)
            status = 1
            continue
        for change in result.changes:
            print(f"{PROG}: {change}", file=sys.stderr)
        print(result.path)
    return status


# ------------------------------------------------------------------------------------------------
# build


def cmd_build(args: argparse.Namespace) -> int:
    from maturin_cross import _build
    from maturin_cross.errors import UsageError

    source = Path(args.source_dir).resolve()
    if not (source / "pyproject.toml").is_file() and not (source / "Cargo.toml").is_file():
        raise UsageError(f"{source} has no pyproject.toml or Cargo.toml; name a maturin project")
    settings = _target_settings(args)
    out_dir = Path(args.out_dir).resolve()
    if args.no_isolation:
        name = _build.build_wheel(str(out_dir), settings, source_dir=source)
    else:
        name = _build.build_isolated(source, out_dir, settings)
    print(out_dir / name)
    return 0


# ------------------------------------------------------------------------------------------------
# init


def cmd_init(args: argparse.Namespace) -> int:
    from maturin_cross._files import write_bytes
    from maturin_cross.errors import UsageError
    from maturin_cross.init import switch_backend

    path = Path(args.project_dir) / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(
            f"cannot read {path}: {err.strerror}; name a maturin project folder"
        ) from None
    new_text, changes = switch_backend(text, str(path))
    if not changes:
        print(f"{path}: already builds with maturin-cross")
        return 0
    try:
        write_bytes(path, new_text.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}; check its folder") from None
    for change in changes:
        print(f"{path}: {change}")
    return 0


# ------------------------------------------------------------------------------------------------


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sysconfigdata", metavar="FILE", help="the target's _sysconfigdata_*.py")
    parser.add_argument("--target", metavar="TRIPLE", help="Rust target triple")
    parser.add_argument("--platform-tag", metavar="TAG", help="wheel platform tag (linux_armv7l)")
    parser.add_argument(
        "-C",
        "--config-setting",
        action="append",
        metavar="KEY=VALUE",
        help="a setting, as in pyproject's [tool.maturin-cross] (repeatable)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Cross-build PyO3/maturin wheels and check or correct them for their target.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build a wheel of a maturin project for the target")
    build.add_argument("source_dir", nargs="?", default=".", metavar="SRC_DIR")
    build.add_argument("-o", "--out-dir", default="dist", metavar="OUTDIR")
    build.add_argument(
        "-n",
        "--no-isolation",
        action="store_true",
        help="build in this environment instead of a fresh one with the project's requirements",
    )
    build.add_argument(
        "-x",
        "--skip-dependency-check",
        action="store_true",
        help="accepted for pyproject-build compatibility (requirements are not checked)",
    )
    build.add_argument(
        "-w", "--wheel", action="store_true", help="accepted for pyproject-build compatibility"
    )
    _add_target_options(build)
    build.set_defaults(func=cmd_build)

    inspect = commands.add_parser(
        "inspect", help="show the resolved target, or what a wheel or .so holds"
    )
    inspect.add_argument("path", nargs="?", type=Path, metavar="WHEEL_OR_SO")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    _add_target_options(inspect)
    inspect.set_defaults(func=cmd_inspect)

    init = commands.add_parser("init", help="switch a maturin project to maturin-cross")
    init.add_argument("project_dir", nargs="?", default=".", metavar="DIR")
    init.set_defaults(func=cmd_init)

    fix = commands.add_parser("fix", help="check and correct wheels for a target")
    fix.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL")
    fix.add_argument("-w", "--wheel-dir", default="wheelhouse", metavar="DIR")
    fix.add_argument(
        "--check", action="store_true", help="report only; exit 1 if a change is needed"
    )
    _add_target_options(fix)
    fix.set_defaults(func=cmd_fix)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    from maturin_cross.errors import MaturinCrossError, UsageError

    args = parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except BrokenPipeError:
        # The reader went away (`maturin-cross inspect | head`): nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except UsageError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except MaturinCrossError as err:
        for line in str(err).splitlines():
            print(f"{PROG}: error: {line}", file=sys.stderr)
        from maturin_cross.errors import BuildError, WheelError

        return 1 if isinstance(err, BuildError | WheelError) else 2
