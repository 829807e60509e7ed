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
import contextlib
import io
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, TextIO

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


class _Stop:
    """The handler of SIGINT and SIGTERM while a command runs: the first raises where the
    command is (KeyboardInterrupt, :class:`_Terminated`); any later one is passed over, so that
    a second Ctrl-C cannot cut short the clean-up the first began (support/atomic.py also
    blocks both while it removes what it made)."""

    def __init__(self) -> None:
        self.first: int | None = None

    def __call__(self, signum: int, frame: object) -> None:
        if self.first is not None:
            return
        self.first = signum
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise _Terminated


class _OutputLost(BaseException):
    """stdout cannot be written (a closed pipe, a full device): nothing more can be said."""


class _GuardedStdout(io.TextIOBase):
    """stdout, whose write errors become :class:`_OutputLost` for :func:`main` to end quietly
    on, whichever line of the command was printing."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError:
            raise _OutputLost from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            raise _OutputLost from None

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit says nothing."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` says; its exit code. Without ``argv`` (``sys.argv``: the
    ``maturin-cross`` script, ``python -m maturin_cross``) the process ends when this returns,
    so SIGINT and SIGTERM stay passed over once the command is done: the exit code says what
    the command did, and a late signal cannot turn a written wheel into a traceback."""
    from maturin_cross.errors import MaturinCrossError

    ending = argv is None
    args = parser().parse_args(argv)
    stop = _Stop()
    previous: dict[int, Any] = {}
    try:
        for signum in (int(signal.SIGINT), int(signal.SIGTERM)):
            previous[signum] = signal.signal(signum, stop)
    except ValueError:  # not the main thread: signals are its alone
        pass
    real_stdout = sys.stdout
    sys.stdout = _GuardedStdout(real_stdout)
    try:
        status: int = args.func(args)
        sys.stdout.flush()
        return status
    except _Terminated:
        return 128 + (stop.first or signal.SIGTERM)
    except KeyboardInterrupt:
        return 128 + (stop.first or signal.SIGINT)
    except (_OutputLost, BrokenPipeError):
        # The reader went away (`maturin-cross inspect | head`) or the device is full: nothing
        # more can be said.
        sys.stdout = real_stdout
        _silence_stdout()
        return 1
    except MaturinCrossError as err:
        with contextlib.suppress(OSError):  # stderr itself gone: the exit code still says it
            print(*err.lines(), sep="\n", file=sys.stderr)
        return err.exit_code
    finally:
        sys.stdout = real_stdout
        for signum, handler in previous.items():
            if ending:
                signal.signal(signum, signal.SIG_IGN)
            else:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
