"""A wheel's tags: WHEEL's ``Tag:`` lines read and replaced, the file name for a set of tags,
and what a manylinux/musllinux platform tag promises.

Pure. Tags are ``packaging.tags.Tag`` values; a file name is read by
``packaging.utils.parse_wheel_filename`` and a ``Tag:`` value by ``packaging.tags.parse_tag``,
never by a pattern of our own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import BuildTag, canonicalize_name
from packaging.version import Version

from maturin_cross.errors import WheelError

_LEGACY_MANYLINUX = ("manylinux1", "manylinux2010", "manylinux2014")
_POLICY = re.compile(
    r"(?P<family>manylinux|musllinux)_(?P<major>\d+)_(?P<minor>\d+)_(?P<machine>\w+)"
    rf"|(?P<legacy>{'|'.join(_LEGACY_MANYLINUX)})_(?P<legacy_machine>\w+)"
)


@dataclass(frozen=True)
class PolicyTag:
    """What a manylinux/musllinux platform tag says: the family of policies, the policy it
    names (as written: ``manylinux_2_17`` or the older alias ``manylinux2014``) and the
    machine (``armv7l``)."""

    family: str
    """``manylinux`` or ``musllinux``."""
    policy: str
    machine: str


def policy_tag(platform: str) -> PolicyTag | None:
    """The policy a platform tag names, or None when it names none (``linux_armv7l``).

    The one rule for both questions asked of a platform tag: which policy a wheel's binaries
    must meet, and whether a tag may stay on a wheel for a target. A policy tag is PEP 600's
    ``manylinux_X_Y_MACHINE`` or PEP 656's ``musllinux_X_Y_MACHINE``, or one of the three older
    names PEP 600 keeps as aliases (``manylinux1``, ``manylinux2010``, ``manylinux2014``);
    ``packaging`` holds this rule only privately, so it is written here, once.
    """
    match = _POLICY.fullmatch(platform)
    if match is None:
        return None
    if match["legacy"]:
        return PolicyTag("manylinux", match["legacy"], match["legacy_machine"])
    family = match["family"]
    return PolicyTag(family, f"{family}_{match['major']}_{match['minor']}", match["machine"])


def unique_tags(tags: Iterable[Tag]) -> list[Tag]:
    """``tags`` in order, each once."""
    return list(dict.fromkeys(tags))


def tag_lines(tags: Sequence[Tag]) -> list[str]:
    """WHEEL's lines for ``tags``: ``["Tag: cp312-cp312-linux_armv7l", ...]``, no duplicates."""
    return [f"Tag: {tag}" for tag in unique_tags(tags)]


def wheel_filename(name: str, version: str, build: BuildTag, tags: Sequence[Tag]) -> str:
    """``rpds-0.1.0-cp312-cp312-linux_armv7l.whl``: the file name of a wheel with these tags.

    Several tags are compressed as ``wheel tags`` does: the sorted unique interpreters, ABIs and
    platforms each joined by ``.``. A compressed name stands for every combination of its parts,
    so tags that are not such a product are refused (``WheelError``).
    """
    unique = unique_tags(tags)
    if not unique:
        raise ValueError("a wheel needs at least one tag")
    interpreters = sorted({tag.interpreter for tag in unique})
    abis = sorted({tag.abi for tag in unique})
    platforms = sorted({tag.platform for tag in unique})
    compressed = "-".join(".".join(part) for part in (interpreters, abis, platforms))
    if len(unique) != len(interpreters) * len(abis) * len(platforms):
        listed = ", ".join(str(tag) for tag in unique)
        raise WheelError(
            f"tags {listed} cannot share one wheel file name: {compressed} would stand for every "
            "combination of its parts; give tags that differ in one part only, or build one "
            "wheel per tag"
        )
    parts = [canonicalize_name(name).replace("-", "_"), str(Version(version))]
    if build:
        parts.append(f"{build[0]}{build[1]}")
    parts.append(compressed)
    return "-".join(parts) + ".whl"


def _header_key(line: str) -> str | None:
    """The lower-cased key of an email-style header line; None for continuations and blanks."""
    if not line.strip() or line[0].isspace() or ":" not in line:
        return None
    return line.split(":", 1)[0].strip().lower()


def tag_values(text: str) -> tuple[str, ...]:
    """The values of a WHEEL file's ``Tag:`` lines, in order."""
    return tuple(
        line.split(":", 1)[1].strip() for line in text.splitlines() if _header_key(line) == "tag"
    )


def retag(text: str, tags: Sequence[Tag]) -> str:
    """WHEEL text with its ``Tag:`` lines replaced by one line per tag, where the first stood."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    new_lines = [line + newline for line in tag_lines(tags)]
    out: list[str] = []
    placed = False
    for line in lines:
        if _header_key(line) == "tag":
            if not placed:
                out.extend(new_lines)
                placed = True
            continue
        out.append(line)
    if not placed:
        # No Tag line to stand in for: append after the last header, before any blank lines.
        end = len(out)
        while end and not out[end - 1].strip():
            end -= 1
        if end and not out[end - 1].endswith(("\n", "\r")):
            out[end - 1] += newline
        out[end:end] = new_lines
    return "".join(out)
