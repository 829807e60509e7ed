"""Publishing policies: does a wheel meet the manylinux or musllinux tag it would carry?

The policies are auditwheel's own data (``manylinux-policy.json``, ``musllinux-policy.json``),
read from the installed auditwheel distribution's files as JSON, so they are the ones the
ecosystem checks wheels with, not a copy typed by hand. Pure apart from reading those files.

A policy allows a binary to need only the libraries on its ``lib_whitelist`` (anything else must be
bundled in the wheel) or the system's dynamic loader itself (``ld-linux-armhf.so.3``, ``ld64.so.2``,
``ld-musl-aarch64.so.1``: every system has its own, so auditwheel never counts it) and, per
architecture, only the symbol versions it lists (``GLIBC_2.17``, ``GLIBCXX_3.4.19``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from maturin_cross.checks.linkage import Dynamic, Report
from maturin_cross.errors import ConfigError, WheelError
from maturin_cross.wheel.tags import policy_tag

_FILES = {"manylinux": "manylinux-policy.json", "musllinux": "musllinux-policy.json"}


@dataclass(frozen=True)
class Policy:
    name: str
    aliases: tuple[str, ...]
    lib_whitelist: frozenset[str]
    symbol_versions: Mapping[str, Mapping[str, frozenset[str]]]
    """Architecture (``armv7l``) -> version family (``GLIBC``) -> allowed versions (``2.17``)."""


def _policy_file(name: str) -> Path:
    from importlib import metadata

    try:
        distribution = metadata.distribution("auditwheel")
    except metadata.PackageNotFoundError:
        raise ConfigError(
            "checking a manylinux/musllinux tag needs auditwheel's policy data; install "
            "auditwheel (pip install auditwheel)"
        ) from None
    return Path(str(distribution.locate_file(f"auditwheel/policy/{name}")))


@cache
def policies(family: str) -> tuple[Policy, ...]:
    """Every policy of ``manylinux`` or ``musllinux``, as auditwheel publishes them."""
    path = _policy_file(_FILES[family])
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return tuple(
            Policy(
                str(entry["name"]),
                tuple(str(a) for a in entry.get("aliases", ())),
                frozenset(str(lib) for lib in entry["lib_whitelist"]),
                {
                    str(arch): {str(k): frozenset(str(v) for v in vs) for k, vs in families.items()}
                    for arch, families in entry["symbol_versions"].items()
                },
            )
            for entry in entries
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ConfigError(
            f"{path}: not auditwheel's policy data ({err}); reinstall auditwheel"
        ) from None


def policy_for_tag(platform_tag: str) -> tuple[Policy, str] | None:
    """The policy a platform tag promises, and its architecture; None for ``linux_*`` tags."""
    tag = policy_tag(platform_tag)
    if tag is None:
        return None
    for policy in policies(tag.family):
        if tag.policy == policy.name or tag.policy in policy.aliases:
            return policy, tag.machine
    raise WheelError(
        f"platform tag {platform_tag} names {tag.policy}, which auditwheel's policies do not "
        "define; use a tag auditwheel knows, or upgrade auditwheel"
    )


def _split_version(version: str) -> tuple[str, str] | None:
    family, sep, number = version.partition("_")
    return (family, number) if sep else None


def is_loader(library: str) -> bool:
    """Is a needed library the dynamic loader itself? A glibc loader is ``ld-linux*`` but for
    ``ld64.so.1`` (ppc64) and ``ld64.so.2`` (ppc64el, s390x); musl's is ``ld-musl-ARCH.so.1``."""
    return library.startswith(("ld-linux", "ld-musl-")) or library in ("ld64.so.1", "ld64.so.2")


def check_tags(
    binaries: Iterable[tuple[Report, Dynamic]], platform_tags: Iterable[str]
) -> list[str]:
    """Problems of a wheel's binaries against each policy its platform tags promise, each policy
    once however many of its names the wheel carries (``manylinux_2_17_armv7l`` and
    ``manylinux2014_armv7l`` are one promise)."""
    pairs = list(binaries)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for tag in platform_tags:
        found = policy_for_tag(tag)
        if found is None or (found[0].name, found[1]) in seen:
            continue
        seen.add((found[0].name, found[1]))
        problems += _check(pairs, *found)
    return problems


def check(binaries: Iterable[tuple[Report, Dynamic]], platform_tag: str) -> list[str]:
    """Problems of a wheel's binaries against the policy its platform tag promises. Each
    binary's report says where its needs were found (``wheel:`` ones are bundled, so allowed)."""
    return check_tags(binaries, [platform_tag])


def _check(binaries: Iterable[tuple[Report, Dynamic]], policy: Policy, arch: str) -> list[str]:
    allowed = policy.symbol_versions.get(arch)
    if allowed is None:
        return [
            f"auditwheel's {policy.name} policy has no architecture {arch}; "
            f"tag the wheel linux_{arch}"
        ]
    problems: list[str] = []
    for report, dynamic in binaries:
        bundled = {f.need for f in report.found if f.where.startswith("wheel:")}
        for library in dynamic.needed:
            if library in bundled or library in policy.lib_whitelist or is_loader(library):
                continue
            problems.append(
                f"{report.member} needs {library}, which {policy.name} does not allow a wheel to "
                f"need; bundle it (auditwheel repair) or tag the wheel linux_{arch} "
                f"(--compatibility off)"
            )
        for library, versions in dynamic.required.items():
            if library in bundled:
                continue
            for version in versions:
                split = _split_version(version)
                if split is None or split[0] not in allowed:
                    continue
                if split[1] not in allowed[split[0]]:
                    newest = max(
                        allowed[split[0]],
                        key=lambda v: tuple(int(n) for n in v.split(".") if n.isdigit()),
                    )
                    problems.append(
                        f"{report.member} needs {version} from {library}, newer than {policy.name} "
                        f"allows on {arch} ({split[0]}_{newest} at most); build against an older "
                        f"C library or tag the wheel for a newer policy"
                    )
    return problems
