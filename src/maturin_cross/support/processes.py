"""The only module that starts processes.

Logs ``+ command`` (and, when verbose, the environment it changes), streams the output live
unless told not to, keeps a tail and replays it when a quiet command fails, and names the cause
of a failure: the tool's first ``error:`` line, not its command line. Never ``shell=True``.
"""

from __future__ import annotations

import collections
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from maturin_cross.errors import BuildError, CommandFailed
from maturin_cross.support.text import one_line

TAIL_LINES = 40


def log(message: str) -> None:
    """A line of ours on stderr; one line whatever a path or value in it holds."""
    print(f"maturin-cross: {one_line(message)}", file=sys.stderr, flush=True)


def show(lines: Sequence[str]) -> None:
    """Replay a tool's output on stderr."""
    for line in lines:
        print(line, file=sys.stderr)


def environment(env_delta: Mapping[str, str | None] | None) -> dict[str, str]:
    """This process's environment changed by ``env_delta`` (None removes a variable)."""
    env = dict(os.environ)
    for key, value in (env_delta or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(
    cmd: Sequence[str],
    *,
    env_delta: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    stream: bool = False,
    verbose: bool = False,
    what: str = "the command",
    hint: str = "",
    explain: Callable[[str], str | None] | None = None,
) -> list[str]:
    """Run ``cmd`` with the environment changed by ``env_delta`` (None removes a variable).
    Output goes to stderr, live when ``stream`` or ``verbose`` (which also shows the
    environment), and is returned as lines. Raises BuildError naming the failure's cause and
    what to do: ``explain``'s answer for that cause, else ``hint``; the output's tail is
    replayed first when it was not streamed."""
    env = environment(env_delta)
    log("+ " + shlex.join(cmd))
    stream = stream or verbose
    if verbose:
        for key, value in sorted((env_delta or {}).items()):
            log(f"  {key}={'<unset>' if value is None else value}")
    lines: list[str] = []
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)

    def take(line: str) -> None:
        lines.append(line.rstrip("\n"))
        tail.append(line)
        if stream:
            sys.stderr.write(line)

    try:
        code, _, _ = _launch(cmd, env=env, cwd=cwd, on_line=take)
    except OSError as err:
        raise BuildError(
            f"cannot run {cmd[0]}: {err.strerror}; {hint or 'is it installed?'}"
        ) from None
    if code != 0:
        if not stream:
            sys.stderr.write("".join(tail))
        said = failure_cause(lines)
        todo = (explain(said) if explain else None) or hint or "see its output above"
        raise CommandFailed(
            f"{what} failed (exit {code}){f': {said}' if said else ''}; {todo}",
            code,
            lines,
        )
    return lines


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ERROR = re.compile(r"^error(\[E\d+\])?: ")
_CAUSED_BY = re.compile(r"^Caused by: ")
_PANIC = re.compile(r"^thread '.*' panicked at ")


def failure_cause(lines: list[str]) -> str:
    """What a failed tool says went wrong, in one line: cargo's (or rustc's) first ``error:``
    line, with the first words of a failed build script's stderr (openssl-sys's "Could not find
    directory of OpenSSL installation"); else maturin's first ``Caused by:``; else the last
    line."""
    plain = [_ANSI.sub("", line).strip() for line in lines]
    first = next((i for i, line in enumerate(plain) if _ERROR.match(line)), None)
    if first is not None:
        said = plain[first]
        too_old = _TOO_OLD.match(said)
        if too_old:
            return _rust_too_old(too_old.group(1), plain[first + 1 :])
        if "failed to run custom build command" in said:
            detail = _build_script_stderr(plain[first + 1 :])
            said += f": {detail}" if detail else ""
        return said
    caused = next((line for line in plain if _CAUSED_BY.match(line)), None)
    if caused is not None:
        return caused.removeprefix("Caused by: ")
    return next((line for line in reversed(plain) if line), "")


_TOO_OLD = re.compile(r"^error: rustc (\S+) is not supported by the following packages?:$")
_REQUIRES = re.compile(r"^(\S+@\S+) requires rustc (\S+)$")


def _rust_too_old(version: str, lines: list[str]) -> str:
    """cargo's refusal of a compiler older than some crates' ``rust-version``, with the crates
    (cargo lists them on the lines below) and the ways out."""
    needs = [m.group(1, 2) for m in map(_REQUIRES.match, lines) if m]
    crates = ", ".join(f"{crate} needs rustc {needed}" for crate, needed in needs[:5])
    if len(needs) > 5:
        crates += f" and {len(needs) - 5} more"
    crates = crates or "cargo lists them above"
    newest = max((needed for _, needed in needs), key=_version_key, default="the version they need")
    return (
        f"rustc {version} is too old for this crate's dependencies ({crates}): use a Rust of at "
        f"least {newest} ('rustup update', or a newer rustc-web on Debian), or hold those crates "
        f"back with 'cargo update NAME@VERSION --precise OLDER'"
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _build_script_stderr(lines: list[str]) -> str:
    """The first line a build script wrote to stderr, past a panic's location."""
    try:
        start = lines.index("--- stderr") + 1
    except ValueError:
        return ""
    for line in lines[start:]:
        if line and not _PANIC.match(line) and not line.startswith("note: "):
            return line
    return ""


def capture(cmd: Sequence[str], *, env_delta: Mapping[str, str] | None = None) -> str | None:
    """Output of a quick query (``rustc --print sysroot``); None when it cannot run or fails."""
    try:
        code, out, _ = _launch(cmd, env=environment(env_delta), timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out if code == 0 else None


def execute(
    cmd: Sequence[str],
    *,
    env_delta: Mapping[str, str | None],
    cwd: Path,
    timeout: float,
    logged: bool = True,
) -> tuple[int, str, str]:
    """Run a program whose result is the answer (the target's Python under qemu): its exit
    code, stdout and stderr, nothing streamed; logged as ``+ command`` unless ``logged`` is
    False (the caller says it in its own words). A program that cannot start or outlives
    ``timeout`` raises BuildError."""
    env = environment(env_delta)
    if logged:
        log("+ " + shlex.join(cmd[:4]) + (" ..." if len(cmd) > 4 else ""))
    try:
        return _launch(cmd, env=env, cwd=cwd, timeout=timeout)
    except OSError as err:
        raise BuildError(f"cannot run {cmd[0]}: {err.strerror}; is it installed?") from None
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"{cmd[0]} did not finish in {timeout:.0f} s; is the target hung?"
        ) from None


def _launch(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
) -> tuple[int, str, str]:
    """The one place a process starts: no shell, nothing on its stdin, its output read as text
    (bytes that are not UTF-8 replaced). With ``on_line``, stdout and stderr together go to it a
    line at a time as they come, and the result holds the exit code alone; without it, the exit
    code, stdout and stderr once the process ends. A process that outlives ``timeout`` is
    killed (as it is when this process is interrupted while waiting) and
    ``subprocess.TimeoutExpired`` raised; one that cannot start raises OSError."""
    process = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if on_line is not None else subprocess.PIPE,
        text=True,
        errors="replace",
    )
    with process:
        if on_line is not None:
            assert process.stdout is not None
            for line in process.stdout:
                on_line(line)
            out, err = "", ""
        else:
            try:
                out, err = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
            except BaseException:  # interrupted: the program goes too, as subprocess.run does it
                process.kill()
                raise
    return process.returncode, out, err
