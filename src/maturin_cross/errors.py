"""One root exception, a few categories. Messages are one line: what, where, what to do.

One rule for exit codes, the same for the backend's hooks and the command: a class's
``exit_code``. 1: the build failed or a wheel (a binary in it) was refused; 2: what the user
gave is wrong (arguments, settings, the target's files).
"""

from __future__ import annotations

from collections.abc import Sequence

from maturin_cross.support.text import one_line

PREFIX = "maturin-cross: error: "
"""How every error line starts, from the hooks and the command alike."""


class MaturinCrossError(Exception):
    """Root of every error this package raises on purpose. ``str(err)`` is the user's message."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The message as the edges print it: one ``maturin-cross: error:`` line, whatever the
        message holds (a line end or an escape sequence from a name is escaped, never printed)."""
        return [f"{PREFIX}{one_line(str(self) or type(self).__name__)}"]


class ConfigError(MaturinCrossError):
    """A setting, a target file or the environment is wrong or ambiguous."""

    exit_code = 2


class TargetError(MaturinCrossError):
    """A target cannot be derived or is not supported."""

    exit_code = 2


class BuildError(MaturinCrossError):
    """maturin, cargo or the toolchain failed."""


class CommandFailed(BuildError):
    """A command exited non-zero; ``output`` holds what it printed, one line each."""

    def __init__(self, message: str, returncode: int, output: list[str]) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.output = output


class Reported(MaturinCrossError):
    """An error a child process of ours (the isolated build's backend) has already printed as
    ``maturin-cross: error:`` lines: the edges print nothing more and exit with its code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def lines(self) -> list[str]:
        return []


class WheelError(MaturinCrossError):
    """A wheel is refused: it cannot be made right for its target.

    ``problems`` holds one line per problem; ``str()`` joins them.
    """

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def lines(self) -> list[str]:
        """One line per problem (what a name in a problem holds is escaped)."""
        if not self.problems:
            return [f"{PREFIX}{type(self).__name__}"]
        return [f"{PREFIX}{one_line(problem)}" for problem in self.problems]


class ElfError(WheelError):
    """A file that should be a shared object is not ELF, or is truncated or corrupt."""


class UsageError(MaturinCrossError):
    """The command line is wrong (exit 2)."""

    exit_code = 2


class TrialUnavailable(MaturinCrossError):
    """A wheel cannot be tried on its target here: no qemu, no target Python (exit 2)."""

    exit_code = 2


class OutputError(MaturinCrossError):
    """Where a wheel is to be written cannot take it: not a writable folder, or writing there
    would replace an input or another wheel of the same run (exit 2)."""

    exit_code = 2
