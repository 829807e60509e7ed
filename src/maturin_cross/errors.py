"""One root exception, a few categories. Messages are one line: what, where, what to do."""

from __future__ import annotations


class MaturinCrossError(Exception):
    """Root of every error this package raises on purpose. ``str(err)`` is the user's message."""

    exit_code = 1


class ConfigError(MaturinCrossError):
    """A setting, a target file or the environment is wrong or ambiguous."""


class TargetError(MaturinCrossError):
    """A target cannot be derived or is not supported."""


class BuildError(MaturinCrossError):
    """maturin, cargo or the toolchain failed."""


class WheelError(MaturinCrossError):
    """A wheel is refused: it cannot be made right for its target.

    ``problems`` holds one line per problem; ``str()`` joins them.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(MaturinCrossError):
    """The command line is wrong (exit 2)."""

    exit_code = 2


class TrialUnavailable(MaturinCrossError):
    """A wheel cannot be tried on its target here: no qemu, no target Python (exit 2)."""

    exit_code = 2
