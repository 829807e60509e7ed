"""The ``maturin-cross`` command: ``build``, ``inspect``, ``fix``, ``init``, ``test``.

Exit codes: 0 success; 1 a build failed or a wheel was refused (or, with ``fix --check``, would
change); 2 usage errors (bad arguments, bad settings, bad target files, an output folder that
cannot take the wheel): each error class's ``exit_code``, as for the backend. ``inspect``'s own
rule is in :func:`_inspect_file`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maturin_cross.settings.model import Settings
    from maturin_cross.target.resolve import Target
    from maturin_cross.target.sysroot import Sysroot

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


_SETTING_FLAGS = ("sysconfigdata", "target", "platform-tag", "sysroot", "max-unpacked-size")


def _flags(args: argparse.Namespace) -> dict[str, str]:
    """The flags given that are settings (``--target``), by setting key."""
    given = {key: getattr(args, key.replace("-", "_"), None) for key in _SETTING_FLAGS}
    return {key: value for key, value in given.items() if value}


def _target_settings(args: argparse.Namespace) -> dict[str, str | list[str]]:
    """The -C pairs with the target flags over them: what a build's hooks are given."""
    return {**_config_pairs(getattr(args, "config_setting", None)), **_flags(args)}


def _names_target(args: argparse.Namespace) -> bool:
    """Whether the command line names a target: --sysconfigdata/--target or their -C pairs."""
    settings = _target_settings(args)
    return bool(settings.get("sysconfigdata") or settings.get("target"))


def _resolve(args: argparse.Namespace, source_dir: Path) -> Target:
    return _resolve_with_sysroot(args, source_dir)[0]


def _settings(args: argparse.Namespace, source_dir: Path) -> Settings:
    """The settings the command line, the environment and the project's pyproject.toml give."""
    from maturin_cross.project.pyproject import read_pyproject
    from maturin_cross.settings.model import Settings

    return Settings.from_sources(
        _config_pairs(getattr(args, "config_setting", None)),
        os.environ,
        read_pyproject(source_dir),
        command_line=_flags(args),
    )


def _resolve_with_sysroot(
    args: argparse.Namespace, source_dir: Path, settings: Settings | None = None
) -> tuple[Target, Sysroot | None]:
    """The target the command line and environment name, and its sysroot: the one named, else
    the one its sysconfigdata sits in."""
    from maturin_cross.checks import proof
    from maturin_cross.pipeline.planning import target_for

    settings = settings or _settings(args, source_dir)
    target, data = target_for(settings, os.environ, source_dir)
    return target, proof.sysroot_for(settings, data, source_dir)


# ------------------------------------------------------------------------------------------------
# inspect


def target_json(target: Target) -> dict[str, Any]:
    python = target.python
    elf = target.elf
    return {
        "rust_target": target.rust_target,
        "multiarch": target.rust.multiarch.in_soabi,
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
        "sources": {key: str(origin) for key, origin in target.sources.items()},
        "notes": list(target.notes),
    }


def cmd_inspect(args: argparse.Namespace) -> int:
    if args.path is not None:
        return _inspect_file(args)
    target = _resolve(args, Path.cwd())
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


def _what_file(path: Path) -> str:
    """``wheel`` or ``elf``, by the name and the first bytes; UsageError for anything else."""
    from maturin_cross.checks import elf
    from maturin_cross.errors import UsageError

    what = "name a wheel (.whl) or an ELF file (.so)"
    if not path.exists():
        raise UsageError(f"{path}: no such file; {what}")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; {what}")
    if path.suffix == ".whl":
        return "wheel"
    try:
        with open(path, "rb") as stream:
            head = stream.read(4)
    except OSError as err:
        raise UsageError(f"{path}: cannot be read ({err.strerror or err}); {what}") from None
    if elf.is_elf(head) or ".so" in path.name:
        return "elf"  # a .so that is not ELF: what it is, is the finding
    raise UsageError(f"{path}: neither a wheel nor an ELF file (it starts with {head!r}); {what}")


def _inspect_file(args: argparse.Namespace) -> int:
    """What a wheel or an ELF file holds. Exit 0: everything read is fine (for the target, when
    one is named); 1: something would not load or is refused; 2: not a wheel nor an ELF file."""
    from maturin_cross.checks import elf, proof, repair
    from maturin_cross.errors import ElfError, UsageError

    path: Path = args.path
    kind = _what_file(path)
    settings = _settings(args, Path.cwd())
    limit = settings.max_unpacked_bytes
    has_target = _names_target(args) or bool(os.environ.get("MATURIN_CROSS_SYSCONFIGDATA"))
    if has_target:
        target, sysroot = _resolve_with_sysroot(args, Path.cwd(), settings)
    else:
        target, sysroot = None, None
    objects: list[tuple[str, Any]] = []
    if kind == "wheel":
        contents, elves = repair.read(path, max_unpacked=limit)
        report: dict[str, Any] = {
            "wheel": contents.filename,
            "tags": sorted(str(t) for t in contents.tags),
            "shared_objects": [],
        }
        for member in contents.entries:
            if ".so" in Path(member).name:
                try:
                    found = elves.get(member) or repair.read_member_elf(contents, member)
                    if isinstance(found, ElfError):
                        raise found
                    objects.append((member, found))
                except ElfError as err:
                    objects.append((member, str(err)))
        if target is None:
            # Without a target, what cannot be read is the finding.
            unread = [info for _, info in objects if isinstance(info, str)]
            if unread:
                report["problems"] = unread
        else:
            checked = proof.prove(path, target, sysroot, max_unpacked=limit)
            report["target"] = target.rust_target
            report["problems"] = list(checked.problems)
            report["changes"] = list(checked.changes)
            report["sysroot"] = str(checked.sysroot.root) if checked.sysroot else None
            report["needs"] = {
                r.member: {f.need: f.where for f in r.found} for r in checked.reports
            }
            report["notes"] = list(checked.notes)
    else:
        report = {"file": str(path), "shared_objects": []}
        try:
            with open(path, "rb") as stream:
                info = elf.read_elf_stream(stream, os.fstat(stream.fileno()).st_size, str(path))
        except OSError as err:
            raise UsageError(
                f"{path}: cannot be read ({err.strerror or err}); check the path"
            ) from None
        except ElfError as err:
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
        if report.get("sysroot"):
            print(f"  libraries, looked up in {report['sysroot']}:")
        for member, needs in report.get("needs", {}).items():
            for need, where in needs.items():
                print(f"    {member} needs {need}: {where}")
        for line in report.get("problems", []):
            print(f"  problem: {line}")
        for line in report.get("changes", []):
            print(f"  would change: {line}")
        for line in report.get("notes", []):
            print(f"  note: {line}")
    return 1 if report.get("problems") else 0


# ------------------------------------------------------------------------------------------------
# fix


def cmd_fix(args: argparse.Namespace) -> int:
    from maturin_cross.checks import repair
    from maturin_cross.errors import MaturinCrossError, UsageError, WheelError
    from maturin_cross.pipeline.deliver import Delivered, deliver_all

    if not _names_target(args):
        raise UsageError(
            "fix needs the target: --sysconfigdata FILE or --target TRIPLE "
            "(or -C sysconfigdata=FILE / -C target=TRIPLE)"
        )
    settings = _settings(args, Path.cwd())
    target, sysroot = _resolve_with_sysroot(args, Path.cwd(), settings)
    limit = settings.max_unpacked_bytes
    out_dir = Path(args.wheel_dir)
    given = [path for path in args.wheels if path.is_file()]
    results: dict[int, Delivered | MaturinCrossError] = {}
    if args.check:
        for number, path in enumerate(given):
            try:
                contents, elves = repair.read(path, max_unpacked=limit)
                plan = repair.examine(contents, target, elves)
                if plan.problems:
                    raise WheelError(plan.problems)
            except WheelError as err:
                results[number] = err
                continue
            for change in plan.changes:
                print(f"{path}: would change: {change}")
            if plan.needs_change:
                results[number] = WheelError([])  # exit 1, nothing more to say
            else:
                print(f"{path}: ok for {target.rust_target}")
    elif given:
        delivered = deliver_all(
            given, target, sysroot, out_dir, in_place=args.in_place, max_unpacked=limit
        )
        results = dict(enumerate(delivered))
    status = 0
    found = iter(range(len(given)))
    for path in args.wheels:
        if not path.is_file():
            missing = UsageError(f"{path}: no such wheel; name an existing .whl file")
            print(*missing.lines(), sep="\n", file=sys.stderr)
            status = max(status, missing.exit_code)
            continue
        result = results.get(next(found))
        if result is None:
            continue
        if isinstance(result, MaturinCrossError):
            for line in result.lines() if str(result) else []:
                print(line, file=sys.stderr)
            status = max(status, result.exit_code)
            continue
        for change in result.changes:
            print(f"{PROG}: {change}", file=sys.stderr)
        for note in result.proof.notes:
            print(f"{PROG}: note: {note}", file=sys.stderr)
        print(result.path)
    return status


# ------------------------------------------------------------------------------------------------
# build


def cmd_build(args: argparse.Namespace) -> int:
    from maturin_cross.errors import UsageError
    from maturin_cross.pipeline import isolated, steps

    source = Path(args.source_dir).resolve()
    if not (source / "pyproject.toml").is_file() and not (source / "Cargo.toml").is_file():
        raise UsageError(f"{source} has no pyproject.toml or Cargo.toml; name a maturin project")
    settings = _target_settings(args)
    out_dir = Path(args.out_dir).resolve()
    if args.no_isolation:
        name = steps.build_wheel(str(out_dir), settings, source_dir=source)
    else:
        name = isolated.build_isolated(source, out_dir, settings)
    print(out_dir / name)
    return 0


# ------------------------------------------------------------------------------------------------
# init


def cmd_init(args: argparse.Namespace) -> int:
    from maturin_cross.errors import UsageError
    from maturin_cross.project.backend_switch import switch_backend
    from maturin_cross.support.atomic import write_bytes

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
# test


def cmd_test(args: argparse.Namespace) -> int:
    from maturin_cross.errors import UsageError
    from maturin_cross.trial import launch

    if args.sysroot and not Path(args.sysroot).is_dir():
        raise UsageError(
            f"--sysroot {args.sysroot} is not a folder; name the target's root file system "
            f"(the folder that holds its usr/lib/python3.X/)"
        )
    for wheel in [*args.wheels, *args.with_wheels]:
        if not wheel.is_file():
            raise UsageError(f"{wheel} does not exist; name a wheel file")
    if args.sysroot and not _names_target(args):
        # The sysroot's own Python says what the target is.
        args.sysconfigdata = str(Path(args.sysroot) / "usr" / "lib")
    target, sysroot = _resolve_with_sysroot(args, Path.cwd())
    if sysroot is None or target.python is None:
        raise UsageError(
            "test needs the target's sysroot, with its Python: --sysroot DIR (or -C sysroot=DIR, "
            "MATURIN_CROSS_SYSROOT, or a sysconfigdata inside a sysroot)"
        )
    outcome = launch.try_wheels(
        args.wheels,
        target,
        sysroot,
        os.environ,
        command=args.command,
        with_wheels=args.with_wheels,
        runs=args.run,
    )
    for name in outcome.imported:
        print(f"imported {name} in the target's Python ({target.rust_target})", flush=True)
    sys.stdout.write(outcome.stdout)
    sys.stdout.flush()
    sys.stderr.write(outcome.stderr)
    if outcome.exit_code:
        last = next((ln for ln in reversed(outcome.stderr.splitlines()) if ln.strip()), "")
        names = ", ".join(w.name for w in args.wheels)
        print(
            f"{PROG}: error: {names} failed on {target.rust_target} {outcome.how}: {last.strip()}",
            file=sys.stderr,
        )
    return outcome.exit_code


# ------------------------------------------------------------------------------------------------


SETTINGS_HELP = """\
settings (-C KEY=VALUE; the keys of [tool.maturin-cross] in pyproject.toml, and of
MATURIN_CROSS_<KEY> variables; docs/settings.md has the precedence):
  sysconfigdata=PATH    the target's _sysconfigdata_*.py, a build-details.json, or a folder
                        to search (the same as --sysconfigdata)
  target=TRIPLE         Rust target triple, a vendor triple or a custom target spec (--target)
  platform-tag=TAG      wheel platform tag, linux_<machine> (--platform-tag)
  build-args=ARGS       arguments for maturin, as ONE string split like a shell command line:
                        -C build-args="--features x --locked"; repeat -C build-args=... to add
                        more (each one a string). In pyproject.toml: a string or a list.
                        Also maturin.build-args. A --target among them counts as the target.
  check=fix|check       fix: correct module names and tags, refuse what cannot fit (default);
                        check: refuse any wheel that would need a change
  sysroot=DIR           the target's root file system: every library the wheel needs must be
                        in it or the wheel, with the symbol versions it requires (--sysroot;
                        default: the sysroot the sysconfigdata sits in)
  test=off|import       import: after the build, import every extension module in the
                        target's own Python under qemu, and refuse the wheel if one fails
  verbose=true|false    also show the commands and environment maturin-cross sets
  quiet=true|false      do not stream maturin's and cargo's output (its tail is still shown
                        when they fail)
  max-unpacked-size=SIZE
                        refuse a wheel whose members unpack to more than SIZE together, unread,
                        as a likely compression bomb (bytes, or 500MB, 8GiB...; default 8GiB)
"""


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sysconfigdata", metavar="FILE", help="the target's _sysconfigdata_*.py")
    parser.add_argument("--target", metavar="TRIPLE", help="Rust target triple")
    parser.add_argument("--platform-tag", metavar="TAG", help="wheel platform tag (linux_armv7l)")
    parser.add_argument(
        "--sysroot",
        metavar="DIR",
        help="the target's root file system: libraries are checked against it (default: the one "
        "the sysconfigdata sits in)",
    )
    parser.add_argument(
        "-C",
        "--config-setting",
        action="append",
        metavar="KEY=VALUE",
        help="a setting, as in pyproject's [tool.maturin-cross] (repeatable)",
    )


def _add_unpacked_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-unpacked-size",
        metavar="SIZE",
        help="refuse a wheel whose members unpack to more than SIZE together (bytes, or 500MB, "
        "8GiB...; default 8GiB): the max-unpacked-size setting",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Cross-build PyO3/maturin wheels and check or correct them for their target.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build a wheel of a maturin project for the target",
        description="Build a wheel of a maturin project for the target, as `python -m build\n"
        "--wheel` does with maturin-cross as the backend: in a fresh environment with the\n"
        "project's build requirements, unless --no-isolation.",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "source_dir",
        nargs="?",
        default=".",
        metavar="SRC_DIR",
        help="the project folder, with pyproject.toml or Cargo.toml (default: the working folder)",
    )
    build.add_argument(
        "-o",
        "--out-dir",
        default="dist",
        metavar="OUTDIR",
        help="where the wheel is written (default: dist)",
    )
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
    _add_unpacked_size_option(inspect)
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
    fix.add_argument(
        "--in-place",
        action="store_true",
        help="let a corrected wheel replace its input when it keeps its name in DIR (in one "
        "step); without it that is refused",
    )
    _add_unpacked_size_option(fix)
    _add_target_options(fix)
    fix.set_defaults(func=cmd_fix)

    test = commands.add_parser(
        "test",
        help="install wheels and import their modules in the target's own Python under qemu",
        description="Install the wheels into a scratch folder, run the target's own Python from "
        "the sysroot under qemu-user (the sysroot as its library root, its own site-packages on "
        "the path), import every extension module by its dotted name, run --command, then each "
        "--run program. Exit "
        "0 when all of it succeeds, 1 with the target's own error otherwise, 2 when qemu or the "
        "target's Python is missing.",
    )
    test.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL")
    test.add_argument(
        "--command", metavar="CODE", help="Python code to run after the imports (on the target)"
    )
    test.add_argument(
        "--with",
        dest="with_wheels",
        action="append",
        default=[],
        type=Path,
        metavar="WHEEL",
        help="a runtime dependency to install beside the wheels (repeatable)",
    )
    test.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="'PROGRAM ARGS'",
        help='then run a program the wheels install (a bindings = "bin" wheel\'s), under qemu '
        "like the Python (repeatable): --run 'just --version'",
    )
    _add_target_options(test)
    test.set_defaults(func=cmd_test)
    return top


class _Terminated(BaseException):
    """SIGTERM, raised where the command is, so that every ``finally`` and ``with`` below runs:
    what a stopped run was writing is removed (as for Ctrl-C)."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    from maturin_cross.errors import MaturinCrossError

    args = parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
        installed = True
    except ValueError:  # not the main thread: signals are its alone
        previous, installed = None, False
    try:
        status: int = args.func(args)
        return status
    except _Terminated:
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except BrokenPipeError:
        # The reader went away (`maturin-cross inspect | head`): nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except MaturinCrossError as err:
        print(*err.lines(), sep="\n", file=sys.stderr)
        return err.exit_code
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
