"""What ``maturin-cross sysroot`` is asked for, decided before anything runs: the request
(``debian:bookworm/armhf``) parsed against the releases known here and their Pythons, the
packages the root is to hold, the apt sources it comes from (derived from a host's own sources
unless given), the key under which its downloads are kept, and the next steps said at the end.

Pure, and needs the standard library alone: ``tools/provision-cross.sh`` runs the command with a
bare ``python3`` before anything is installed. The sources files' text is handed in, never read
here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from maturin_cross.errors import UsageError
from maturin_cross.target.arches import ROWS, Arch

DISTRIBUTIONS = ("debian",)
"""The distributions known here; another apt-based one is named with its ``--source`` lines
and ``--python``."""

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
"""Debian's archive keyring, which the derived sources are checked against."""


@dataclass(frozen=True)
class Release:
    """A Debian release: its Pythons (the default first) and its architectures."""

    name: str
    pythons: tuple[str, ...]
    arches: tuple[str, ...]
    rolling: bool = False
    """sid: no ``-updates`` or ``-security`` suite."""


_RELEASE_ARCHES = ("amd64", "arm64", "armel", "armhf", "i386", "ppc64el", "s390x")
RELEASES: Mapping[str, Release] = {
    "bookworm": Release("bookworm", ("3.11",), (*_RELEASE_ARCHES, "mips64el", "mipsel")),
    "trixie": Release("trixie", ("3.13",), (*_RELEASE_ARCHES, "riscv64")),
    "sid": Release(
        "sid",
        ("3.13", "3.14", "3.15"),
        (*_RELEASE_ARCHES, "riscv64", "loong64", "mips64el"),
        rolling=True,
    ),
}
"""The releases known here, with the Pythons each one packages and its architectures."""

ALIASES = {"unstable": "sid", "stable": "trixie", "oldstable": "bookworm"}
"""Other names of the releases above."""

_REQUEST = re.compile(r"^([^:/\s]+):([^:/\s]+)/([^:/\s]+)$")
_PYTHON = re.compile(r"^3\.\d{1,2}$")
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?$")


def _arch_row(debian_arch: str) -> Arch | None:
    """The architecture table's row for a Debian architecture; None for none."""
    return next((row for row in ROWS if debian_arch in row.debian.values()), None)


@dataclass(frozen=True)
class Request:
    """One sysroot asked for: where from, which Python, which packages besides."""

    distro: str
    release: Release
    arch: str
    """The Debian architecture (``armhf``)."""
    python: str
    """``3.11``."""
    extra: tuple[str, ...] = ()
    """The packages ``--with`` names, in the order given."""
    sources: tuple[str, ...] = ()
    """The apt source lines given with ``--source``; empty: derived from this host's."""

    @property
    def name(self) -> str:
        """``debian:bookworm/armhf`` (the release's own name, not an alias)."""
        return f"{self.distro}:{self.release.name}/{self.arch}"

    @property
    def row(self) -> Arch:
        row = _arch_row(self.arch)
        assert row is not None  # parse() checked it
        return row

    @property
    def gnu_type(self) -> str:
        """The GNU type of Debian's tools for the architecture (``arm-linux-gnueabihf``)."""
        row = self.row
        env = next(env for env, arch in row.debian.items() if arch == self.arch)
        return f"{row.gnu or row.name}-linux-{env}"

    @property
    def rust_target(self) -> str | None:
        row = self.row
        env = next(env for env, arch in row.debian.items() if arch == self.arch)
        return f"{row.rust}-unknown-linux-{env}" if row.rust else None

    def packages(self) -> tuple[str, ...]:
        """What apt is asked to install: the target's Python, its development files and the C
        library's, then what ``--with`` names; apt adds what they need."""
        own = (f"python{self.python}", f"libpython{self.python}-dev", "libc6-dev")
        return (*own, *(name for name in self.extra if name not in own))

    def key(self, sources: Sequence[str]) -> str:
        """The name of this request's download cache: the same request from the same sources
        finds its index and packages there."""
        text = json.dumps([self.name, self.python, sorted(set(self.extra)), list(sources)])
        return (
            f"{self.distro}-{self.release.name}-{self.arch}-py{self.python}-"
            + (hashlib.sha256(text.encode()).hexdigest()[:16])
        )

    def mark(self, sources: Sequence[str]) -> str:
        """What a finished root holds in its mark file: a later run of the same request
        recognises it by this text."""
        return json.dumps(
            {"request": self.name, "python": self.python, "key": self.key(sources)},
            sort_keys=True,
        )


def parse(text: str, python: str | None, extra: Iterable[str], sources: Iterable[str]) -> Request:
    """The request ``DISTRO:RELEASE/ARCH`` with its options, checked against what is known
    here; UsageError (one line saying what to write instead) otherwise."""
    found = _REQUEST.match(text)
    if not found:
        raise UsageError(
            f"{text!r} is not a sysroot request; write DISTRO:RELEASE/ARCH, for example "
            f"debian:bookworm/armhf"
        )
    distro, release_name, arch = found.groups()
    given = tuple(line.strip() for line in sources)
    if python is not None and not _PYTHON.match(python):
        raise UsageError(f"--python {python!r} is not a Python version; write 3.X, such as 3.11")
    release = RELEASES.get(ALIASES.get(release_name, release_name)) if distro == "debian" else None
    if release is None and given:
        # Another apt-based distribution (Ubuntu ports, Raspberry Pi OS), or a release not known
        # here, from the sources given: its Python must be named.
        if python is None:
            raise UsageError(
                f"{text!r} is not a release known here, so its Python is unknown; name it with "
                f"--python 3.X"
            )
        every = tuple(sorted({name for row in ROWS for name in row.debian.values()}))
        release = Release(release_name, (python,), every, rolling=True)
    elif distro not in DISTRIBUTIONS:
        raise UsageError(
            f"unknown distribution {distro!r} in {text!r}; known: {', '.join(DISTRIBUTIONS)}; "
            f"another apt-based one needs --source 'deb [signed-by=KEYRING] URI SUITE "
            f"COMPONENT' and --python 3.X"
        )
    elif release is None:
        raise UsageError(
            f"unknown {distro} release {release_name!r} in {text!r}; known: {', '.join(RELEASES)}"
        )
    if _arch_row(arch) is None or arch not in release.arches:
        raise UsageError(
            f"{distro} {release.name} has no architecture {arch!r}; it has "
            f"{', '.join(sorted(release.arches))}"
        )
    chosen = python or release.pythons[0]
    if chosen not in release.pythons:
        raise UsageError(
            f"{distro} {release.name} has no Python {chosen}; it has "
            f"{', '.join(release.pythons)} (--python {release.pythons[0]})"
        )
    wanted = tuple(extra)
    for name in wanted:
        if not _PACKAGE.match(name):
            raise UsageError(f"--with {name!r} is not a Debian package name")
    for line in given:
        if not line.startswith(("deb ", "deb\t")) or len(line.split()) < 3:
            raise UsageError(
                f"--source {line!r} is not an apt source line; write 'deb [signed-by=KEYRING] "
                f"URI SUITE COMPONENT...'"
            )
        if "\n" in line:
            raise UsageError("--source takes one line")
    return Request(distro, release, arch, chosen, wanted, given)


@dataclass(frozen=True)
class HostSource:
    """One ``deb`` entry of a host's apt sources."""

    uri: str
    suites: tuple[str, ...]
    options: Mapping[str, str] = field(default_factory=dict)


def read_sources_list(text: str) -> list[HostSource]:
    """The ``deb`` lines of a one-line-style sources file (``sources.list``, ``*.list``)."""
    found: list[HostSource] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        options: dict[str, str] = {}
        bracket = re.match(r"^deb\s+\[([^\]]*)\]\s+(.*)$", line)
        if bracket:
            for pair in bracket.group(1).split():
                key, _, value = pair.partition("=")
                options[key.lower()] = value
            rest = bracket.group(2).split()
        elif line.startswith("deb ") or line.startswith("deb\t"):
            rest = line.split()[1:]
        else:
            continue
        if len(rest) >= 2:
            found.append(HostSource(rest[0], (rest[1],), options))
    return found


def read_deb822(text: str) -> list[HostSource]:
    """The ``Types: deb`` stanzas of a deb822 sources file (``*.sources``)."""
    found: list[HostSource] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        last = ""
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and last:
                fields[last] += " " + raw.strip()
                continue
            key, sep, value = raw.partition(":")
            if sep:
                last = key.strip().lower()
                fields[last] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        options = {"signed-by": fields["signed-by"]} if "signed-by" in fields else {}
        for uri in fields.get("uris", "").split():
            found.append(HostSource(uri, tuple(fields.get("suites", "").split()), options))
    return found


_DEBIAN_SUITES = frozenset(
    {"buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid", "stable", "testing"}
)


def derive_sources(request: Request, host: Sequence[HostSource]) -> tuple[str, ...]:
    """The apt source lines for ``request``: ``--source`` lines as given, else the host's Debian
    archive (the source whose suite is a Debian release) with the request's release, its
    ``-updates`` and its ``-security`` (from the host's security archive) suites. Empty when the
    host has no Debian source."""
    if request.sources:
        return request.sources
    main = next(
        (source.uri for source in host if any(s in _DEBIAN_SUITES for s in source.suites)), None
    )
    if main is None:
        return ()
    security = next(
        (
            source.uri
            for source in host
            if any(suite.endswith("-security") for suite in source.suites)
        ),
        None,
    )
    name = request.release.name
    signed = f"[signed-by={KEYRING}]"
    lines = [f"deb {signed} {main} {name} main"]
    if not request.release.rolling:
        lines.append(f"deb {signed} {main} {name}-updates main")
        if security is not None:
            lines.append(f"deb {signed} {security} {name}-security main")
    return tuple(lines)


def first_trouble(output: Sequence[str]) -> str:
    """The first thing ``apt-get update`` said went wrong, in one line (empty for nothing): a
    mirror in the middle of a sync leaves part of the index old or missing."""
    for line in output:
        found = re.match(r"^[EW]: (Failed to fetch .*)$", line.strip())
        if found:
            return re.sub(r"\s*\[IP: [^\]]*\]", "", found.group(1))[:200]
    for line in output:
        if line.startswith("Err:"):
            return line[:200]
    return next((line[3:][:200] for line in output if line.startswith("E: ")), "")


_INST = re.compile(r"^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[([^\]]+)\]\)")


def resolved_files(simulated: Sequence[str]) -> tuple[str, ...]:
    """The archive file names (``NAME_VERSION_ARCH.deb``, an epoch's ``:`` as ``%3a``) of the
    packages ``apt-get install -s`` says it would install."""
    names = []
    for line in simulated:
        found = _INST.match(line)
        if found:
            name, version, arch = found.groups()
            names.append(f"{name}_{version.replace(':', '%3a')}_{arch}.deb")
    return tuple(names)


def apt_error(output: Sequence[str]) -> str:
    """apt's own first ``E:`` line (the reason it could not do what it was asked), else its
    last line."""
    said = next((line[3:] for line in output if line.startswith("E: ")), None)
    if said is None:
        said = next((line for line in reversed(output) if line.strip()), "no reason given")
    return said.strip()[:300]


@dataclass(frozen=True)
class Found:
    """What this host has of what the next steps need."""

    linker: bool
    rust_target: bool
    """Whether the Rust standard library for the target is installed."""


def shown(path: str) -> str:
    """A path as a command line to copy: quoted for a shell, and written as Python writes it
    (``'\\x1b'``) when it holds characters that would act on the terminal."""
    return shlex.quote(path) if path.isprintable() else repr(path)


def next_steps(
    request: Request, root: str, sysconfigdata: str | None, packages: int, found: Found
) -> list[str]:
    """What to do next with a finished root, one line each: where its sysconfigdata is, the
    Rust target, the linker (and what provides it and the standard library when missing), the
    build line and the test line."""
    root = shown(root)
    sysconfigdata = shown(sysconfigdata) if sysconfigdata else None
    lines = [
        f"sysroot: {root} ({request.name}, Python {request.python}, "
        f"{packages} package{'' if packages == 1 else 's'})"
    ]
    lines.append(
        f"sysconfigdata: {sysconfigdata}"
        if sysconfigdata
        else "sysconfigdata: none found (is the release's Python complete in the archive?)"
    )
    target = request.rust_target
    if target is None:
        lines.append(f"Rust target: none (Rust has no Linux target for {request.arch})")
    else:
        std = (
            "installed"
            if found.rust_target
            else f"missing: 'rustup target add {target}', or Debian's "
            f"libstd-rust-web-dev:{request.arch} at your rustc-web's version, or build-std "
            f"from rust-web-src"
        )
        lines.append(f"Rust target: {target} (standard library {std})")
    linker = f"{request.gnu_type}-gcc"
    lines.append(
        f"linker: {linker} ("
        + ("installed" if found.linker else f"missing: apt-get install gcc-{request.gnu_type}")
        + ")"
    )
    data = f" --sysconfigdata {sysconfigdata}" if sysconfigdata else ""
    lines.append(f"build: maturin-cross build --sysroot {root}{data}")
    lines.append(
        f"  or:  python -m build --wheel -C sysroot={root}"
        + (f" -C sysconfigdata={sysconfigdata}" if sysconfigdata else "")
    )
    lines.append(f"test:  maturin-cross test dist/*.whl --sysroot {root}")
    return lines
