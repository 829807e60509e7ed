"""A target's root file system on the host, and where its dynamic loader finds libraries in it.

Pure: reads files under the sysroot only; starts no process and never runs a target file.

Paths inside a sysroot are the target's paths: an absolute symlink (``/lib/ld64.so.2 ->
/lib/powerpc64le-linux-gnu/ld64.so.2``) means the sysroot's ``/lib``, not the host's, so links are
followed by hand, re-rooted at the sysroot, a bounded number of times.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from maturin_cross.errors import ConfigError
from maturin_cross.target.arches import musl_arch
from maturin_cross.target.resolve import Target

_MAX_LINKS = 40
"""As Linux's own limit on symlinks followed in one lookup."""

_MAX_INCLUDE_DEPTH = 8


@dataclass(frozen=True)
class Sysroot:
    root: Path
    origin: str
    """Where it came from, for people: ``--sysroot``, or the sysconfigdata it holds."""

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
    """``target_path`` (absolute, the target's view) resolved under ``root``, symlinks re-rooted."""
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
        candidate = root.joinpath(*done, part)
        if candidate.is_symlink():
            links += 1
            if links > _MAX_LINKS:
                return root / "\0loop"  # never exists: the lookup fails as the loader's would
            dest = os.readlink(candidate)
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
        path_file = sysroot.host_path(f"/etc/ld-musl-{musl_arch}.path")
        if path_file.is_file():
            return _unique(_words_of(path_file))
        return ["/lib", "/usr/local/lib", "/usr/lib"]
    found = list(_ld_so_conf(sysroot, "/etc/ld.so.conf", depth=0))
    defaults: list[str] = []
    for prefix in ("/lib", "/usr/lib"):
        if multiarch:
            defaults.append(f"{prefix}/{multiarch}")
        if bits == 64:
            defaults.append(f"{prefix}64")
        defaults.append(prefix)
    return _unique([*found, *defaults])


def _words_of(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        words += [w for w in line.replace(":", " ").split() if w.startswith("/")]
    return words


def _ld_so_conf(sysroot: Sysroot, target_path: str, depth: int) -> Iterator[str]:
    if depth > _MAX_INCLUDE_DEPTH:
        raise ConfigError(
            f"{sysroot.root}{target_path}: ld.so.conf includes nest more than "
            f"{_MAX_INCLUDE_DEPTH} deep (a loop?); fix the sysroot's /etc/ld.so.conf"
        )
    path = sysroot.host_path(target_path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("include"):
            for pattern in line.split()[1:]:
                if not pattern.startswith("/"):
                    pattern = str(PurePosixPath(target_path).parent / pattern)
                matches = glob.glob(glob.escape(str(sysroot.root)) + pattern)
                for match in sorted(matches):
                    inner = "/" + str(Path(match).relative_to(sysroot.root))
                    yield from _ld_so_conf(sysroot, inner, depth + 1)
        elif line.startswith("hwcap"):
            continue
        else:
            yield from (
                w for w in line.replace(":", " ").replace(",", " ").split() if w.startswith("/")
            )


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
