"""Where a value came from: a kind that ranks it (:class:`Kind`), a label for people, and the one
precedence rule (:func:`decide`). A leaf: it imports nothing of the package, so every layer can
carry an origin until a message or the command line shows it. Pure.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class Kind(enum.IntEnum):
    """What kind of source a value came from; a higher value wins."""

    HOST = -1
    """This machine's own interpreter says it (a native build's platform): below everything."""
    DERIVED = 0
    TARGET_FILE = 1
    PYPROJECT = 2
    CONVENTION = 3
    ENVIRONMENT = 4
    CONFIG_SETTING = 5
    COMMAND_LINE = 6

    @property
    def given_as_is(self) -> bool:
        """A maturin-cross setting, and what the running interpreter says of its own machine,
        are taken as given; another tool's convention or a target file may be refined (a
        generic ``linux-arm`` platform)."""
        return self == Kind.HOST or (self >= Kind.PYPROJECT and self != Kind.CONVENTION)


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a kind that ranks it, and a label for people."""

    kind: Kind
    label: str
    via_build_args: bool = False
    """A ``--target`` found among the build arguments of a source of this kind."""
    name: str | None = None
    """How messages write ``NAME=value`` when the label is not the name itself."""

    @property
    def assignment(self) -> str:
        return self.name or self.label

    @property
    def rank(self) -> tuple[int, bool]:
        return (self.kind, not self.via_build_args)

    def __str__(self) -> str:
        return self.label


DEFAULT = Origin(Kind.DERIVED, "default")


class Sourced(NamedTuple):
    """A value and its origin."""

    value: str
    origin: Origin


def decide(candidates: Iterable[Sourced | None]) -> Sourced | None:
    """The one precedence rule: the candidate of the highest rank, the later one on a tie."""
    best: Sourced | None = None
    for candidate in candidates:
        if candidate is not None and (best is None or candidate.origin.rank >= best.origin.rank):
            best = candidate
    return best
