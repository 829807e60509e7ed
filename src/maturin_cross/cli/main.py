"""The ``maturin-cross`` command: the parser made of each command's module (``cmd_build``,
``cmd_inspect``, ``cmd_fix``, ``cmd_init``, ``cmd_test``,
``cmd_sysroot``) and :func:`main`.

Exit codes: 0 success; 1 a build failed or a wheel was refused (or, with ``fix --check``, would
change); 2 usage errors (bad arguments, bad settings, bad target files, an output folder that
cannot take the wheel): each error class's ``exit_code``, as for the backend. ``inspect``'s own
rule is in :mod:`maturin_cross.cli.cmd_inspect`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from maturin_cross.cli import cmd_build, cmd_fix, cmd_init, cmd_inspect, cmd_sysroot, cmd_test
from maturin_cross.cli.options import PROG


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Cross-build PyO3/maturin wheels and check or correct them for their target.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (cmd_build, cmd_inspect, cmd_init, cmd_fix, cmd_test, cmd_sysroot):
        command.add(commands)
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
