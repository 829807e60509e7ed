"""``maturin-cross fix``: check and correct wheels built by anything for a target."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturin_cross.cli import options

if TYPE_CHECKING:
    from maturin_cross.errors import MaturinCrossError
    from maturin_cross.pipeline.deliver import Delivered


def add(commands: Any) -> None:
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
    options.add_unpacked_size_option(fix)
    options.add_target_options(fix)
    fix.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from maturin_cross.checks import repair
    from maturin_cross.errors import UsageError, WheelError
    from maturin_cross.pipeline.deliver import deliver_all
    from maturin_cross.support import atomic
    from maturin_cross.support.text import shown

    if not options.names_target(args):
        raise UsageError(
            "fix needs the target: --sysconfigdata FILE or --target TRIPLE "
            "(or -C sysconfigdata=FILE / -C target=TRIPLE)"
        )
    settings = options.settings(args)
    aimed = options.aim(settings)
    target = aimed.target
    limit = settings.max_unpacked_bytes
    given = [path for path in args.wheels if _unreadable(path) is None]
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
                options.show(f"{shown(path)}: would change: {change}")
            if plan.needs_change:
                results[number] = WheelError([])  # exit 1, nothing more to say
            else:
                options.show(f"{shown(path)}: ok for {target.rust_target}")
    elif given:
        inputs = [*given, *([Path(target.sysconfigdata)] if target.sysconfigdata else [])]
        with atomic.keeping(inputs):  # a dead run's folder holding an input is left as it is
            delivered = deliver_all(
                given,
                target,
                aimed.sysroot,
                Path(args.wheel_dir),
                in_place=args.in_place,
                max_unpacked=limit,
                python=aimed.sysconfigdata,
            )
        results = dict(enumerate(delivered))
    return _report(args.wheels, results)


def _unreadable(path: Path) -> MaturinCrossError | None:
    """Why ``path`` cannot be a wheel to read (it does not exist, is a pipe, a device, a folder,
    cannot be looked at); None when it is a regular file."""
    from maturin_cross.errors import UsageError
    from maturin_cross.support import files
    from maturin_cross.support.text import shown

    try:
        files.check_regular(path)
    except FileNotFoundError:
        return UsageError(f"{shown(path)}: no such wheel; name an existing .whl file")
    except OSError as err:
        return UsageError(f"{shown(path)}: {files.why(err)}; name a wheel file (.whl)")
    return None


def _report(wheels: list[Path], results: dict[int, Delivered | MaturinCrossError]) -> int:
    """Say each wheel's result, in the order given; the exit code is the highest of theirs."""
    from maturin_cross.errors import MaturinCrossError
    from maturin_cross.support.text import shown

    status = 0
    found = iter(range(len(wheels)))
    for path in wheels:
        unreadable = _unreadable(path)
        if unreadable is not None:
            print(*unreadable.lines(), sep="\n", file=sys.stderr)
            status = max(status, unreadable.exit_code)
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
            options.say(change)
        for note in result.proof.notes:
            options.say(f"note: {note}")
        options.show(shown(result.path))
    return status
