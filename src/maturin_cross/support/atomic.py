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
  Each later write into the same folder removes those of that pattern whose lock it can take:
  their run is gone. A live run's lock cannot be taken, so its files are never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_MARK = "maturin-cross"
_LEFTOVER = re.compile(rf"^\.(?:.+\.)?{_MARK}-[0-9a-f]{{16}}\.tmp$")
"""The names of our temp files and staging folders, and only theirs."""

_UNNAMED = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
"""Whether temp files may start without a name (``linkat`` names them through /proc)."""


def _temp_name(folder: Path, name: str) -> Path:
    prefix = f".{name}." if name else "."
    return folder / f"{prefix}{_MARK}-{secrets.token_hex(8)}.tmp"


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


def sweep(folder: Path) -> list[Path]:
    """Remove what dead runs left in ``folder``: our temp files and staging folders whose lock
    can be taken. Returns what was removed; errors are passed over (this is housekeeping)."""
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
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone already, or not ours to open
        try:
            if not _lock(fd) or not _still_named(fd, path):
                continue
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                shutil.rmtree(path, ignore_errors=True)
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
        if _lock(fd) and not _still_named(fd, candidate):
            os.close(fd)  # a sweep took it before our lock: start again
            continue
        return fd, candidate


def _name_unnamed(fd: int, path: Path) -> Path:
    """Give the complete unnamed file ``fd`` a temp name beside ``path`` (it stays locked)."""
    # linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N: os.link calls link(), which does not follow
    # the /proc link, unless it is given a folder to start from.
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            candidate = _temp_name(path.parent, path.name)
            try:
                os.link(str(fd), candidate, src_dir_fd=proc, follow_symlinks=True)
            except FileExistsError:
                continue
            return candidate
    finally:
        os.close(proc)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the ``with`` block ends cleanly.

    OSError (the folder cannot be written, the disk is full) is raised as it is, for the caller
    to say in its own words; nothing is left behind.
    """
    path = Path(path)
    sweep(path.parent)
    fd, temp = _open_temp(path)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            try:
                mode = stat.S_IMODE(os.stat(path).st_mode)
            except FileNotFoundError:
                mode = None  # a new file keeps the mode os.open gave it: 0o666 less the umask
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
            if temp is None:
                temp = _name_unnamed(stream.fileno(), path)
            os.replace(temp, path)  # while the lock is held: no sweep can take the name
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


@contextlib.contextmanager
def staging_folder(parent: Path) -> Iterator[Path]:
    """A new locked folder inside ``parent`` (``.maturin-cross-HEX.tmp``), removed with all it
    holds when the ``with`` block ends, however it ends; a killed run's is swept by the next.
    OSError when ``parent`` cannot hold it."""
    sweep(parent)
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
        break
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


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
