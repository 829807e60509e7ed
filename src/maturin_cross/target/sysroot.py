"""A target's root file system on the host, and where its dynamic loader finds libraries in it.

Pure: reads files under the sysroot only; starts no process and never runs a target file.

Paths inside a sysroot are the target's paths: an absolute symlink (``/lib/ld64.so.2 ->
/lib/powerpc64le-linux-gnu/ld64.so.2``) means the sysroot's ``/lib``, not the host's, so links are
followed by hand, re-rooted at the sysroot, a bounded number of times.
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from maturin_cross.errors import ConfigError
from maturin_cross.support import files
from maturin_cross.support.text import shown
from maturin_cross.target.arches import musl_arch
from maturin_cross.target.resolve import Target

_MAX_LINKS = 40
"""As Linux's own limit on symlinks followed in one lookup."""

_MAX_INCLUDE_DEPTH = 8
"""How deep ``include`` lines may nest in ld.so.conf."""

_MAX_CONF_FILES = 4096
"""How many ld.so.conf files one sysroot may hold, its includes together."""

MAX_CONF_BYTES = 1 << 20
"""The largest ld.so.conf (or included file, or musl path file) read."""

_NAME_MAX = 255
_PATH_MAX = 4096
"""Linux's limits on a name and a path: a longer one is never found (and never looked up, which
would fail with "file name too long")."""

_NOWHERE = "\0nowhere"
"""A name that no file has (a NUL cannot be in a path): what a lookup that must fail resolves
to; ``exists()`` and ``is_file()`` of it are False."""


@dataclass(frozen=True)
class Sysroot:
    root: Path
    origin: str
    """Where it came from, for people: ``--sysroot``, or the sysconfigdata it holds."""
    cache: Path | None = None
    """Where what the proof reads of its libraries is kept between runs
    (:mod:`maturin_cross.checks.libraries`); None: nothing is kept."""

    def host_path(self, target_path: str) -> Path:
        """Where a target path is on the host, following symlinks inside the sysroot. A path
        whose links lead out of the sysroot or loop resolves to a path that does not exist."""
        return resolve_inside(self.root, target_path)


def inferred_from_sysconfigdata(path: Path, libdest: str | None) -> Sysroot | None:
    """The sysroot a target's sysconfigdata sits in: ``SYSROOT/usr/lib/python3.X/_sysconfigdata_
    *.py`` (Debian, Yocto's recipe sysroot, Buildroot's ``STAGING_DIR``), checked against the
    file's own LIBDEST. None when the file is not laid out in a sysroot (crossenv's build tree)."""
    folder = path.parent
    if libdest and libdest.startswith("/"):
        tail = PurePosixPath(libdest.rstrip("/"))
        if tuple(folder.parts[-len(tail.parts[1:]) :]) == tail.parts[1:]:
            root = Path(*folder.parts[: len(folder.parts) - len(tail.parts[1:])])
            if (root / "usr").is_dir() and root != Path("/"):
                return Sysroot(root, f"the sysroot of {path}")
    return None


def resolve_inside(root: Path, target_path: str) -> Path:
    """``target_path`` (absolute, the target's view) resolved under ``root``, symlinks re-rooted.
    A path that loops, or names a file no system could (a name past 255 bytes, a path past
    4096), resolves to one that does not exist."""
    parts = [p for p in PurePosixPath(target_path).parts if p not in ("/", "")]
    done: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        if len(os.fsencode(part)) > _NAME_MAX or "\0" in part:
            return root / _NOWHERE
        candidate = root.joinpath(*done, part)
        if len(os.fsencode(str(candidate))) >= _PATH_MAX:
            return root / _NOWHERE
        try:
            is_link = stat.S_ISLNK(os.lstat(candidate).st_mode)
            dest = os.readlink(candidate) if is_link else ""
        except OSError:
            is_link = False  # not there, or not to be looked at: the lookup fails later
        if is_link:
            links += 1
            if links > _MAX_LINKS:
                return root / _NOWHERE  # the lookup fails as the loader's would
            dest_parts = [p for p in PurePosixPath(dest).parts if p not in ("/", "")]
            if dest.startswith("/"):
                done = []
            parts = dest_parts + parts
            continue
        done.append(part)
    return root.joinpath(*done)


def library_dirs(
    sysroot: Sysroot, multiarch: str | None, bits: int, musl_arch: str | None
) -> list[str]:
    """The folders the target's loader searches after RPATH/RUNPATH, in its order, as target
    paths: ``/etc/ld.so.conf`` (and what it includes) as ldconfig builds its cache from, then
    the defaults; for musl, ``/etc/ld-musl-ARCH.path`` replaces both when present."""
    if musl_arch is not None:
        text = _read_conf(sysroot, f"/etc/ld-musl-{musl_arch}.path")
        if text is not None:
            return _unique(_words_of(text))
        return ["/lib", "/usr/local/lib", "/usr/lib"]
    found = _LdSoConf(sysroot).read("/etc/ld.so.conf")
    defaults: list[str] = []
    for prefix in ("/lib", "/usr/lib"):
        if multiarch:
            defaults.append(f"{prefix}/{multiarch}")
        if bits == 64:
            defaults.append(f"{prefix}64")
        defaults.append(prefix)
    return _unique([*found, *defaults])


def _words_of(text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        words += [w for w in line.replace(":", " ").split() if w.startswith("/")]
    return words


def _read_conf(sysroot: Sysroot, target_path: str) -> str | None:
    """The text of a loader configuration file in the sysroot; None when there is none.
    ConfigError, one line, when it is no regular file (a pipe is never waited on), is larger
    than :data:`MAX_CONF_BYTES`, or cannot be read."""
    path = sysroot.host_path(target_path)
    where = shown(f"{sysroot.root}{target_path}")
    if _NOWHERE in path.parts:
        raise ConfigError(
            f"{where}: a symbolic link loop (or a name too long to look up) in the sysroot; fix "
            "the sysroot's links"
        )
    try:
        data = files.read_regular(path, MAX_CONF_BYTES)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(
            f"{where}: {files.why(err)}, so the target's library folders cannot be read; make "
            "it a regular file of the loader's configuration, or fix the sysroot"
        ) from None
    return data.decode("utf-8", errors="replace")


class _LdSoConf:
    """``/etc/ld.so.conf`` and what it includes, as ldconfig reads them: each file read once
    (however many ``include`` globs name it), at most :data:`_MAX_INCLUDE_DEPTH` includes deep
    and :data:`_MAX_CONF_FILES` files in all; a file that includes itself is an error."""

    def __init__(self, sysroot: Sysroot) -> None:
        self.sysroot = sysroot
        self.base = str(sysroot.root).rstrip("/")
        self.done: set[str] = set()
        self.found: list[str] = []

    def read(self, target_path: str) -> list[str]:
        self._visit(target_path, ())
        return self.found

    def _visit(self, target_path: str, including: tuple[str, ...]) -> None:
        where = shown(f"{self.sysroot.root}{target_path}")
        real = str(self.sysroot.host_path(target_path))
        if real in including:
            raise ConfigError(
                f"{where}: ld.so.conf includes itself (an include loop); "
                "fix the sysroot's /etc/ld.so.conf"
            )
        if real in self.done:
            return
        if len(including) > _MAX_INCLUDE_DEPTH:
            raise ConfigError(
                f"{where}: ld.so.conf includes nest more than {_MAX_INCLUDE_DEPTH} deep; fix "
                "the sysroot's /etc/ld.so.conf"
            )
        if len(self.done) >= _MAX_CONF_FILES:
            raise ConfigError(
                f"{where}: ld.so.conf includes more than {_MAX_CONF_FILES} files; fix the "
                "sysroot's /etc/ld.so.conf"
            )
        self.done.add(real)
        text = _read_conf(self.sysroot, target_path)
        if text is None:
            return
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("include"):
                for pattern in line.split()[1:]:
                    if not pattern.startswith("/"):
                        pattern = str(PurePosixPath(target_path).parent / pattern)
                    for inner in self._matches(pattern):
                        self._visit(inner, (*including, real))
            elif line.startswith("hwcap"):
                continue
            else:
                self.found += [
                    w for w in line.replace(":", " ").replace(",", " ").split() if w.startswith("/")
                ]

    def _matches(self, pattern: str) -> list[str]:
        """The target paths an include glob names, in order."""
        try:
            matches = glob.glob(glob.escape(self.base) + pattern)
        except (OSError, ValueError, RecursionError):
            return []
        return sorted(match[len(self.base) :] for match in matches)


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(os.path.normpath(item), None)
    return list(seen)


def target_library_dirs(sysroot: Sysroot, target: Target) -> list[str]:
    """:func:`library_dirs` for a target: its multiarch, class and C library decide."""
    facts = target.elf
    musl = musl_arch(facts) if target.rust.multiarch.musl else None
    return library_dirs(sysroot, target.multiarch or None, facts.bits, musl)
