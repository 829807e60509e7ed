"""A target's root file system made from Debian's packages, without root: ``maturin-cross
sysroot``'s work.

apt resolves and downloads the packages through a private configuration (its own index, package
status, cache and sources under the request's cache folder; never the host's lists, status or
architectures), ``dpkg-deb -x`` unpacks each one into a staging folder beside the destination,
absolute symbolic links are made relative, and the folder is renamed into place whole: a killed
run leaves only a staging folder, which the next run beside it removes
(:func:`maturin_cross.support.atomic.staging_folder`). The request's index and packages stay in
the cache with the list apt resolved, so the same request again needs no network.

Touches: this host's apt sources (read), the cache folder and the destination's folder
(written); starts apt-get and dpkg-deb through :mod:`maturin_cross.support.processes`. Needs the
standard library alone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shlex
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.errors import BuildError, OutputError, UsageError
from maturin_cross.support import atomic, processes
from maturin_cross.support.cachehome import cache_home
from maturin_cross.target import debian
from maturin_cross.target.debian import HostSource, Request

MARK = ".maturin-cross-sysroot"
"""The file at the top of every finished root: which request made it."""

APT_TIMEOUT = 3600.0
"""The longest one apt-get call may take (a slow mirror and a few hundred megabytes)."""

UNPACK_TIMEOUT = 600.0

_C = {"LC_ALL": "C", "LANGUAGE": None}


def host_sources(etc: Path = Path("/etc/apt")) -> list[HostSource]:
    """The ``deb`` entries of this host's apt sources: ``sources.list``, ``sources.list.d/*.list``
    and ``*.sources`` (deb822). Files that cannot be read are passed over."""
    found: list[HostSource] = []
    files = [etc / "sources.list"]
    with contextlib.suppress(OSError):
        files += sorted((etc / "sources.list.d").iterdir())
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if path.name.endswith(".sources"):
            found += debian.read_deb822(text)
        elif path.name.endswith(".list"):
            found += debian.read_sources_list(text)
    return found


def default_cache(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/maturin-cross/sysroot`` (``~/.cache`` when unset)."""
    return cache_home(environ) / "sysroot"


@dataclass(frozen=True)
class Made:
    """A finished root."""

    root: Path
    sysconfigdata: Path | None
    packages: int
    reused: bool
    """True when the destination already was this request's root: nothing was done."""


def _shown(path: Path | str) -> str:
    return repr(str(path))


def _out_of_room(output: Sequence[str]) -> bool:
    text = "\n".join(output)
    return any(
        said in text
        for said in (
            "No space left on device",
            "File too large",
            "File size limit exceeded",
            "received signal 25",
        )
    )


def _room_error(where: Path) -> BuildError:
    return BuildError(
        f"no room to write in {_shown(where)} (the disk is full or a file size limit is set); "
        f"free some space or name another folder (--cache DIR for the downloads), then run "
        f"this again"
    )


class _Apt:
    """apt-get with the request's private configuration under ``folder``."""

    def __init__(self, request: Request, folder: Path, sources: Sequence[str]) -> None:
        self.folder = folder
        for sub in ("lists/partial", "cache/archives/partial", "parts", "prefs"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        status = folder / "status"
        if not status.exists():
            status.write_bytes(b"")
        atomic.write_bytes(folder / "sources.list", ("\n".join(sources) + "\n").encode())
        self.options = [
            f"APT::Architecture={request.arch}",
            f"APT::Architectures={request.arch}",
            f"Dir::State::Lists={folder / 'lists'}",
            f"Dir::State::status={status}",
            f"Dir::Cache={folder / 'cache'}",
            "Dir::Cache::pkgcache=",
            "Dir::Cache::srcpkgcache=",
            f"Dir::Etc::SourceList={folder / 'sources.list'}",
            f"Dir::Etc::SourceParts={folder / 'parts'}",
            f"Dir::Etc::Preferences={folder / 'prefs' / 'none'}",
            f"Dir::Etc::PreferencesParts={folder / 'prefs'}",
            "Debug::NoLocking=1",
            "Acquire::Languages=none",
            "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
            "APT::Install-Recommends=false",
        ]
        if os.geteuid() == 0:
            self.options.append("APT::Sandbox::User=root")

    @property
    def archives(self) -> Path:
        return self.folder / "cache" / "archives"

    def run(self, *args: str) -> tuple[int, list[str]]:
        """``apt-get ARGS`` with this configuration: its exit code and what it said."""
        processes.log(f"+ apt-get {shlex.join(args)} (private configuration: {self.folder})")
        cmd = ["apt-get"]
        for option in self.options:
            cmd += ["-o", option]
        if shutil.which("apt-get") is None:
            raise BuildError(
                "apt-get is not on PATH: making a sysroot needs apt (a Debian or Ubuntu host)"
            )
        code, out, said = processes.execute(
            [*cmd, *args], env_delta=_C, cwd=self.folder, timeout=APT_TIMEOUT, logged=False
        )
        return code, (out + said).splitlines()


def _index_listed(lists: Path) -> bool:
    """Whether the private index holds any architecture's package list."""
    return any("_Packages" in entry.name for entry in lists.iterdir())


def _fetch(request: Request, apt: _Apt, resolved: Path) -> list[str]:
    """Update the index, resolve the request and download its packages; the archive file names,
    also written to ``resolved``."""
    code, said = apt.run("update")
    trouble = debian.first_trouble(said)
    if _out_of_room(said):
        raise _room_error(apt.folder)
    if not _index_listed(apt.folder / "lists"):
        raise BuildError(
            f"no package index could be fetched for {request.name} "
            f"({trouble or debian.apt_error(said)}); check the network and the sources, or "
            f"pass --source 'deb [signed-by=KEYRING] URI SUITE main'"
        )
    if trouble:
        processes.log(f"note: the package index is partial ({trouble}); building from what it has")
    wanted = request.packages()
    code, said = apt.run("install", "-s", "-qq", "--no-install-recommends", *wanted)
    files = list(debian.resolved_files(said))
    if code != 0 or not files:
        raise BuildError(
            f"apt cannot resolve {request.name}'s packages ({' '.join(wanted)}): "
            f"{debian.apt_error(said)}; check the --with names and the release"
        )
    code, said = apt.run(
        "install", "--download-only", "-y", "-qq", "--no-install-recommends", *wanted
    )
    if _out_of_room(said):
        raise _room_error(apt.folder)
    missing = [name for name in files if not (apt.archives / name).is_file()]
    if code != 0 or missing:
        raise BuildError(
            f"cannot download {request.name}'s packages ({debian.apt_error(said)}); check the "
            f"network, then run this again"
        )
    atomic.write_bytes(resolved, ("\n".join(files) + "\n").encode())
    return files


def _cached(apt: _Apt, resolved: Path) -> list[str] | None:
    """The packages an earlier run resolved and downloaded, when every one is still there."""
    try:
        files = resolved.read_text(encoding="utf-8").split()
    except OSError:
        return None
    if files and all((apt.archives / name).is_file() for name in files):
        return files
    return None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One run at a time in a request's cache folder (a second waits)."""
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def relative_links(root: Path) -> int:
    """Make every absolute symbolic link under ``root`` relative, pointing at the same place
    inside ``root`` (what ``qemu -L`` and the checks follow). Returns how many changed."""
    changed = 0
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            link = os.path.join(folder, name)
            if not os.path.islink(link):
                continue
            dest = os.readlink(link)
            if not dest.startswith("/"):
                continue
            # normalised as an absolute path first, so that `..` stops at the root's top
            inside = os.path.join(root, os.path.normpath(dest).lstrip("/"))
            os.unlink(link)
            os.symlink(os.path.relpath(inside, folder), link)
            changed += 1
    return changed


MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""The top-level folders a merged-/usr system has as links into ``usr``."""


def merged_usr_links(root: Path) -> list[str]:
    """Add the links of a merged-/usr system (``lib -> usr/lib``) that the packages did not
    bring (trixie's packages hold their files under ``usr`` alone; the links come from
    base-files, which is not unpacked), so that a program's loader (``/lib/ld-linux-...``) is
    found in the root. Returns the links made."""
    made = []
    for name in MERGED:
        if (root / "usr" / name).is_dir() and not os.path.lexists(root / name):
            os.symlink(f"usr/{name}", root / name)
            made.append(name)
    return made


def find_sysconfigdata(root: Path, python: str) -> Path | None:
    """The target's ``_sysconfigdata__<multiarch>.py`` in ``root`` (not a debug build's)."""
    found = sorted((root / "usr" / "lib" / f"python{python}").glob("_sysconfigdata__*.py"))
    return found[0] if found else None


def _check_destination(dest: Path, mark: str) -> bool:
    """Whether ``dest`` already is this request's root (True: nothing to do). An empty folder or
    no folder may be made; anything else is refused."""
    if not dest.parent.is_dir():
        raise OutputError(
            f"{_shown(dest.parent)} is not a folder; create it first or name another place "
            f"for the sysroot"
        )
    if not os.path.lexists(dest):
        return False
    if dest.is_symlink() or not dest.is_dir():
        raise OutputError(
            f"{_shown(dest)} exists and is not a folder; name a new folder for the sysroot"
        )
    try:
        said = (dest / MARK).read_text(encoding="utf-8")
    except OSError:
        said = None
    if said is not None and said.partition("\n")[0] == mark:
        return True
    if said is None and not any(dest.iterdir()):
        return False
    what = "a sysroot of another request" if said is not None else "not a sysroot"
    raise OutputError(f"{_shown(dest)} is {what}; name a new or empty folder, or remove it first")


def make(request: Request, dest: Path, cache: Path, sources: Sequence[str]) -> Made:
    """Make the root ``request`` asks for at ``dest``, whole or not at all; the downloads are
    kept under ``cache``. ``sources`` are the apt source lines (never empty)."""
    dest = Path(os.path.abspath(dest))
    mark = request.mark(sources)
    if _check_destination(dest, mark):
        return Made(dest, find_sysconfigdata(dest, request.python), _count(dest), reused=True)
    folder = cache / request.key(sources)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"cannot make the download cache {_shown(folder)}: {err.strerror}; name a "
            f"writable folder with --cache DIR"
        ) from None
    try:
        with _locked(folder):
            if _check_destination(dest, mark):  # another run of this request made it meanwhile
                return Made(
                    dest, find_sysconfigdata(dest, request.python), _count(dest), reused=True
                )
            apt = _Apt(request, folder, sources)
            resolved = folder / "resolved"
            files = _cached(apt, resolved)
            if files is None:
                try:
                    files = _fetch(request, apt, resolved)
                except BaseException:
                    if created:  # nothing of a first run that fetched nothing whole is kept
                        shutil.rmtree(folder, ignore_errors=True)
                    raise
            else:
                processes.log(
                    f"{request.name}: {len(files)} packages from the cache {_shown(folder)}"
                )
            return _unpack(request, apt, files, dest, mark)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EFBIG):
            raise _room_error(Path(err.filename or dest.parent)) from None
        raise BuildError(
            f"cannot make {_shown(dest)}: {err.strerror} ({_shown(err.filename or '')}); "
            f"check that folder and the cache {_shown(folder)}"
        ) from None


def _count(root: Path) -> int:
    """How many packages a finished root holds: its mark's lines after the first."""
    try:
        return len((root / MARK).read_text(encoding="utf-8").splitlines()[1:])
    except OSError:
        return 0


def _unpack(request: Request, apt: _Apt, files: Sequence[str], dest: Path, mark: str) -> Made:
    with atomic.staging_folder(dest.parent) as work:
        processes.log(f"unpacking {len(files)} packages for {request.name} into {_shown(dest)}")
        for name in files:
            code, out, err = processes.execute(
                ["dpkg-deb", "-x", str(apt.archives / name), str(work)],
                env_delta=_C,
                cwd=work,
                timeout=UNPACK_TIMEOUT,
                logged=False,
            )
            said = (out + err).splitlines()
            if code != 0:
                if _out_of_room(said) or code == -25:
                    raise _room_error(dest.parent)
                raise BuildError(
                    f"dpkg-deb cannot unpack {name}: {debian.apt_error(said)}; remove the cache "
                    f"{_shown(apt.folder)} and run this again"
                )
        relative_links(work)
        merged_usr_links(work)
        data = find_sysconfigdata(work, request.python)
        # the mark: the request's identity on its first line, then the packages it holds
        (work / MARK).write_text(mark + "\n" + "\n".join(files) + "\n", encoding="utf-8")
        os.chmod(work, 0o755)
        if os.path.isdir(dest):
            os.rmdir(dest)  # an empty folder, checked before
        os.rename(work, dest)
    return Made(
        dest,
        dest / data.relative_to(work) if data else None,
        len(files),
        reused=False,
    )


def found_on_host(request: Request) -> debian.Found:
    """Whether this host has the target's linker and Rust standard library."""
    linker = shutil.which(f"{request.gnu_type}-gcc") is not None
    target = request.rust_target
    has_std = False
    if target:
        roots = ["/usr"]
        rustc_root = processes.capture(["rustc", "--print", "sysroot"])
        if rustc_root:
            roots.insert(0, rustc_root.strip())
        has_std = any(Path(root, "lib", "rustlib", target, "lib").is_dir() for root in roots)
    return debian.Found(linker=linker, rust_target=has_std)


def check_sources(request: Request, sources: Sequence[str]) -> None:
    """No sources at all: say where they come from and how to give them."""
    if not sources:
        raise UsageError(
            f"this machine's apt sources name no Debian archive to take {request.name} from; "
            f"pass --source 'deb [signed-by={debian.KEYRING}] URI {request.release.name} main'"
        )
