"""Write a file whole or not at all: the one "temp file, then replace" routine, and the one
staging folder.

The new content goes to a temp file next to the destination, is flushed to disk, gets the
replaced file's mode (a new file: 0666 less the umask, as ``open`` gives) and is moved over the
destination in one step. On any failure, interruption included, the temp file is removed and the
destination is as it was.

A run that is killed outright (SIGKILL, a power cut) cannot clean up, so:

* where the file system can (Linux's ``O_TMPFILE``), the temp file has no name while it is
  written: a killed run leaves nothing at all. It is given a name (``linkat``) only once it is
  complete, just before the rename;
* every temp file and staging folder is named ``.NAME.maturin-cross-HEX.tmp`` (a folder
  ``.maturin-cross-HEX.tmp``) and holds an exclusive ``flock`` for as long as its run lives.
  Each later write into the same folder removes what dead runs left there: only what this
  module made, recognised by more than its name, and never a file the run was given.

What this module made is told apart from anything an input could be by the file itself, not
its name alone: the second half of a temp file's HEX is a digest of its first half and of the
file's device and inode numbers (a file made or copied under that name by anything else has
other numbers), and a staging folder holds a marker file with such a digest of the folder's
own. A sweep removes a leftover only when that holds, its lock can be taken (its run is gone)
and it neither is nor holds a path of :func:`keeping` (the files the run was given: ``fix
wheelhouse/.maturin-cross-HEX.tmp/0/pkg.whl`` reads that wheel, it does not remove it).

SIGINT and SIGTERM are blocked while a temp file or staging folder is made, named or removed,
and delivered when that is done: a stop (or several) never leaves half of one behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import signal
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

_MARK = "maturin-cross"
_LEFTOVER = re.compile(
    rf"^\.(?:.+\.)?{_MARK}-(?P<nonce>[0-9a-f]{{8}})(?P<seal>[0-9a-f]{{8}})\.tmp$"
)
"""The names of our temp files and staging folders."""

_MARKER = f".{_MARK}-staging"
"""The file inside a staging folder that says it is ours (:func:`_seal` of the folder)."""

_UNNAMED = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
"""Whether temp files may start without a name (``linkat`` names them through /proc)."""

_STOPS = {signal.SIGINT, signal.SIGTERM}

_KEPT: list[Path] = []
"""The real paths of what the running command was given (see :func:`keeping`)."""


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """SIGINT and SIGTERM held back while the block runs, then delivered (where this thread
    may block signals; elsewhere the block runs as it is)."""
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def keeping(paths: Iterable[Path | str]) -> Iterator[None]:
    """While the block runs, no sweep removes any of ``paths`` (the command's inputs), nor a
    leftover that holds one."""
    added = []
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            added.append(Path(os.path.realpath(path)))
    _KEPT.extend(added)
    try:
        yield
    finally:
        for path in added:
            _KEPT.remove(path)


def _seal(nonce: str, status: os.stat_result) -> str:
    """The 8 hex digits that bind ``nonce`` to the file or folder ``status`` describes."""
    said = f"{_MARK}:{nonce}:{status.st_dev}:{status.st_ino}".encode()
    return hashlib.sha256(said).hexdigest()[:8]


def _temp_name(folder: Path, name: str, status: os.stat_result | None = None) -> Path:
    """A fresh temp name in ``folder``: sealed to the file ``status`` describes, when given."""
    prefix = f".{name}." if name else "."
    nonce = secrets.token_hex(4)
    seal = _seal(nonce, status) if status is not None else secrets.token_hex(4)
    return folder / f"{prefix}{_MARK}-{nonce}{seal}.tmp"


def _lock(fd: int) -> bool:
    """Take ``fd``'s exclusive lock without waiting: False when another run holds it. A file
    system without locks counts as held: nothing of it is ever swept."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _still_named(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (a sweep may have removed it between
    its creation and our lock)."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def _is_kept(path: Path) -> bool:
    """Whether ``path`` is, or holds, one of the paths :func:`keeping` guards."""
    real = os.path.realpath(path)
    return any(str(kept) == real or str(kept).startswith(real + os.sep) for kept in _KEPT)


def _ours(fd: int, name: str) -> bool:
    """Whether the file or folder open as ``fd``, named ``name``, is one this module made: its
    seal says so, or it holds nothing at all (what a run killed between making it and sealing it
    leaves: an empty file, a folder empty but for an empty marker), which no one loses by its
    going."""
    found = _LEFTOVER.match(name)
    if found is None:
        return False
    status = os.fstat(fd)
    if stat.S_ISREG(status.st_mode):
        return found["seal"] == _seal(found["nonce"], status) or status.st_size == 0
    if not stat.S_ISDIR(status.st_mode):
        return False
    try:
        marker = os.open(_MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except FileNotFoundError:
        return _holds_nothing(fd)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(marker).st_mode):
            return False
        said = os.read(marker, 64)
    finally:
        os.close(marker)
    if said == b"":
        return _holds_nothing(fd, but=_MARKER)
    return said == f"{found['nonce']}{_seal(found['nonce'], status)}\n".encode()


def _holds_nothing(fd: int, *, but: str | None = None) -> bool:
    """Whether the folder open as ``fd`` is empty (but for the one name ``but``)."""
    return set(os.listdir(fd)) <= ({but} if but else set())


def sweep(folder: Path) -> list[Path]:
    """Remove what dead runs left in ``folder``: our temp files and staging folders (sealed,
    see the module's docstring) whose lock can be taken and that hold nothing :func:`keeping`
    guards. Returns what was removed; errors are passed over (this is housekeeping)."""
    removed: list[Path] = []
    try:
        names = [entry.name for entry in os.scandir(folder) if _LEFTOVER.match(entry.name)]
    except OSError:
        return removed
    for name in names:
        path = folder / name
        try:
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                continue  # what we make is a file or a folder; a link is never followed
            if _is_kept(path):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone already, or not ours to open
        try:
            if not _lock(fd) or not _still_named(fd, path) or not _ours(fd, name):
                continue
            with uninterrupted():
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    _remove_staging(path)
                else:
                    path.unlink(missing_ok=True)
            removed.append(path)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


def _open_temp(path: Path) -> tuple[int, Path | None]:
    """A locked temp file for ``path``'s new content: (fd, None) for an unnamed one, else
    (fd, its name)."""
    folder = path.parent
    if _UNNAMED:
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
        except OSError:
            pass  # this file system has no unnamed files (or the folder is bad: said below)
        else:
            _lock(fd)
            return fd, None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        candidate = _temp_name(folder, path.name)
        try:
            fd = os.open(candidate, flags, 0o666)
        except FileExistsError:
            continue
        _lock(fd)
        try:
            # Sealed to its inode, now that it has one. (Killed in between, an empty file under
            # an unsealed name stays: no sweep can tell it from an input's.)
            sealed = _temp_name(folder, path.name, os.fstat(fd))
            os.rename(candidate, sealed)
        except BaseException:
            os.close(fd)
            candidate.unlink(missing_ok=True)
            raise
        return fd, sealed


def _name_unnamed(fd: int, path: Path) -> Path:
    """Give the complete unnamed file ``fd`` a temp name beside ``path`` (it stays locked)."""
    # linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N: os.link calls link(), which does not follow
    # the /proc link, unless it is given a folder to start from.
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            candidate = _temp_name(path.parent, path.name, os.fstat(fd))
            try:
                os.link(str(fd), candidate, src_dir_fd=proc, follow_symlinks=True)
            except FileExistsError:
                continue
            return candidate
    finally:
        os.close(proc)


@contextlib.contextmanager
def replacing(path: Path, buffering: int = -1) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the ``with`` block ends cleanly;
    ``buffering`` as :func:`open`'s (a large buffer for a file written in many small pieces).

    OSError (the folder cannot be written, the disk is full) is raised as it is, for the caller
    to say in its own words; nothing is left behind.
    """
    path = Path(path)
    sweep(path.parent)
    temp: Path | None = None
    try:
        # A signal held back while the temp file is made lands when the block ends: inside the
        # try, so that the file goes with it.
        with uninterrupted():
            fd, temp = _open_temp(path)
        with os.fdopen(fd, "wb", buffering) as stream:
            yield stream
            stream.flush()
            try:
                mode = stat.S_IMODE(os.stat(path).st_mode)
            except FileNotFoundError:
                mode = None  # a new file keeps the mode os.open gave it: 0o666 less the umask
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
            with uninterrupted():
                if temp is None:
                    temp = _name_unnamed(stream.fileno(), path)
                os.replace(temp, path)  # while the lock is held: no sweep can take the name
                temp = None
    except BaseException:
        if temp is not None:
            with uninterrupted():
                temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


@contextlib.contextmanager
def staging_folder(parent: Path) -> Iterator[Path]:
    """A new locked folder inside ``parent`` (``.maturin-cross-HEX.tmp``), removed with all it
    holds when the ``with`` block ends, however it ends; a killed run's is swept by the next.
    OSError when ``parent`` cannot hold it."""
    sweep(parent)
    made: tuple[Path, int] | None = None
    try:
        # A signal held back while the folder is made lands when the block ends: inside the
        # try, so that the folder goes with it.
        with uninterrupted():
            made = _make_staging_folder(parent)
        yield made[0]
    finally:
        if made is not None:
            with uninterrupted():
                _remove_staging(made[0])
                os.close(made[1])


def _remove_staging(folder: Path) -> None:
    """Remove a staging folder and all it holds, its marker last: a run killed while it removes
    one (a SIGKILL is not held back) leaves a folder still sealed, or empty, and either is
    recognised by the next run's sweep."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == _MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(folder / _MARKER)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _make_staging_folder(parent: Path) -> tuple[Path, int]:
    """A new folder in ``parent``, locked (its fd) and sealed by its marker file."""
    while True:
        folder = _temp_name(parent, "")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue  # a sweep took it before we could open it
        if _lock(fd) and not _still_named(fd, folder):
            os.close(fd)
            continue
        found = _LEFTOVER.match(folder.name)
        assert found is not None
        seal = f"{found['nonce']}{_seal(found['nonce'], os.fstat(fd))}\n"
        try:
            marker = os.open(_MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            try:
                os.write(marker, seal.encode())
            finally:
                os.close(marker)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
            raise
        return folder, fd


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` (see :func:`replacing`)."""
    with replacing(path) as stream:
        stream.write(data)


def copy_file(source: Path, path: Path) -> None:
    """Replace ``path``'s content with ``source``'s (see :func:`replacing`)."""
    with open(source, "rb") as reader, replacing(path) as stream:
        shutil.copyfileobj(reader, stream, 1 << 20)


def move_over(source: Path, path: Path) -> None:
    """Move the complete file ``source`` over ``path`` in one step, giving it the mode of the
    file it replaces; across file systems, a copy through :func:`replacing` (as atomic)."""
    with contextlib.suppress(FileNotFoundError):  # a new file keeps the mode it was made with
        os.chmod(source, stat.S_IMODE(os.stat(path).st_mode))
    try:
        os.replace(source, path)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        copy_file(source, path)
        source.unlink()
    _sync_folder(path.parent)


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (through symbolic and hard links); False when either
    does not exist or cannot be looked at."""
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False
