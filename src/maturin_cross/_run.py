"""The only module that starts processes.

Logs ``+ command`` and the environment it changes, streams the output live when verbose, keeps a
tail and replays it when the command fails. Never ``shell=True``.
"""

from __future__ import annotations

import collections
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from maturin_cross.errors import BuildError

TAIL_LINES = 40


def log(message: str) -> None:
    print(f"maturin-cross: {message}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str],
    *,
    env_delta: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    verbose: bool = False,
    what: str = "the command",
    hint: str = "",
) -> list[str]:
    """Run ``cmd`` with the environment changed by ``env_delta`` (None removes a variable).
    Output goes to stderr (live when verbose) and is returned as lines. Raises BuildError with
    the output's tail."""
    env = dict(os.environ)
    for key, value in (env_delta or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    log("+ " + shlex.join(cmd))
    if verbose:
        for key, value in sorted((env_delta or {}).items()):
            log(f"  {key}={'<unset>' if value is None else value}")
    lines: list[str] = []
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    try:
        process = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as err:
        raise BuildError(
            f"cannot run {cmd[0]}: {err.strerror}; {hint or 'is it installed?'}"
        ) from None
    with process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            tail.append(line)
            if verbose:
                sys.stderr.write(line)
    code = process.returncode
    if code != 0:
        if not verbose:
            sys.stderr.write("".join(tail))
        last = next((line.strip() for line in reversed(tail) if line.strip()), "")
        said = f", last line: {last}" if last else ""
        raise BuildError(f"{what} failed (exit {code}){said}; {hint or 'see its output above'}")
    return lines


def capture(cmd: Sequence[str], *, env_delta: Mapping[str, str] | None = None) -> str | None:
    """Output of a quick query (``rustc --print sysroot``); None when it cannot run or fails."""
    env = {**os.environ, **(env_delta or {})}
    try:
        done = subprocess.run(
            list(cmd), env=env, capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def execute(
    cmd: Sequence[str],
    *,
    env_delta: Mapping[str, str | None],
    cwd: Path,
    timeout: float,
) -> tuple[int, str, str]:
    """Run a program whose result is the answer (the target's Python under qemu): its exit
    code, stdout and stderr, nothing streamed. A program that cannot start or outlives
    ``timeout`` raises BuildError."""
    env = dict(os.environ)
    for key, value in env_delta.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    log("+ " + shlex.join(cmd[:4]) + (" ..." if len(cmd) > 4 else ""))
    try:
        done = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except OSError as err:
        raise BuildError(f"cannot run {cmd[0]}: {err.strerror}; is it installed?") from None
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"{cmd[0]} did not finish in {timeout:.0f} s; is the target hung?"
        ) from None
    return done.returncode, done.stdout, done.stderr
