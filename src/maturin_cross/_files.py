"""Write a file whole or not at all: the one "temp file, then replace" routine.

The new content goes to a temp file next to the destination, is flushed to disk, gets the
replaced file's mode (a new file: 0666 less the umask, as ``open`` gives) and is moved over the
destination in one step. On any failure, interruption included, the temp file is removed and the
destination is as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def _temp_file(path: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the ``with`` block ends cleanly.

    OSError (the folder cannot be written, the disk is full) is raised as it is, for the caller
    to say in its own words; nothing is left behind.
    """
    path = Path(path)
    fd, temp = _temp_file(path)
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
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


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
