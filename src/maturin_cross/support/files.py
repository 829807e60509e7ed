"""Reading a file named by input: only a regular file, only up to a ceiling, and what went wrong
said in the same words by every reader.

A named pipe, a device or a socket (or a link to one) is refused before a byte is read: it is
opened without waiting (``O_NONBLOCK``, so a pipe with no writer cannot hang the run) and
looked at through the open file, so that what is read is what was looked at.
:func:`why` words any ``OSError`` for a message: "is not a regular file (a named pipe)", "is
larger than 1048576 bytes", "permission denied", "a symbolic link loop", "the name is too long",
"the disk is full".

Reads files only.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFile(OSError):
    """The path names something other than a regular file; ``kind`` says what."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"is not a regular file ({kind})", str(path))
        self.kind = kind


class TooLarge(OSError):
    """The file is larger than the reader's ceiling."""

    def __init__(self, path: str | Path, limit: int) -> None:
        super().__init__(errno.EOVERFLOW, f"is larger than {limit} bytes", str(path))
        self.limit = limit


def kind(mode: int) -> str:
    """What a file of ``mode`` is, for people."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "not a file"


def check_regular(path: str | Path) -> None:
    """Raise :class:`NotRegularFile` when ``path`` (links followed) exists and is not a regular
    file; any other OSError of looking at it as it is."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, kind(mode))


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file (links followed), else
    :class:`NotRegularFile`; never waits for a pipe's writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, kind(mode))
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: :class:`TooLarge`
    past that (no more is read), :class:`NotRegularFile` for a pipe, device, socket or folder."""
    with open_regular(path) as stream:
        # As large as the file is (a read of ``limit`` would hold that much memory first), and
        # a byte more to see it grow; what it grew by is read up to the ceiling.
        size = os.fstat(stream.fileno()).st_size
        data = stream.read(min(limit, size) + 1)
        if size < len(data) <= limit:
            data += stream.read(limit + 1 - len(data))
    if len(data) > limit:
        raise TooLarge(path, limit)
    return data


_WORDS = {
    errno.ENOENT: "does not exist",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "a symbolic link loop",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder",
    errno.ENOSPC: "no space left: the disk is full",
    errno.EDQUOT: "no space left: the disk quota is used up",
    errno.EFBIG: "the file would be larger than this system allows",
    errno.EROFS: "the file system is read-only",
}


def why(err: OSError) -> str:
    """What went wrong, in a few words for a message (no path: the message names it)."""
    if isinstance(err, (NotRegularFile, TooLarge)):
        return str(err.strerror)
    if err.errno in _WORDS:
        return _WORDS[err.errno]
    return (err.strerror or type(err).__name__).lower()


def is_disk_full(err: OSError) -> bool:
    """Whether ``err`` says there is no room left to write."""
    return err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
