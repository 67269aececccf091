"""Safe file I/O: complete-or-nothing writes and bounded reads.

Every file LossLab writes (scenes, autosaves, exports, ``losslab run`` results, rendered slides)
goes through :func:`write_atomic`: the data goes to a temporary file beside the target, every byte
is checked as written (a full disk gives *short* writes, not only failed ones), the file is
flushed to the disk, and only then does it replace the target. On any failure the old file is
untouched and an :class:`OSError` says why.

Every file LossLab reads from the user goes through :func:`read_bounded`: only regular files (a
link to ``/dev/zero`` or a FIFO is refused at once instead of filling memory or blocking), and
never more than the limit.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

STDOUT = "-"  # the conventional name for standard output in ``--out``


class FileTooLarge(OSError):
    """The file is larger than the limit it was read under."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _new_file_mode(target: Path) -> int:
    """An existing regular file keeps its mode; a new one gets the usual 0666 less the umask."""
    try:
        info = os.stat(target)
    except OSError:
        return 0o666 & ~_umask()
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o666 & ~_umask()


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written; a write that makes no progress is an error."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:  # a short write that cannot continue (a full disk on some systems)
            raise OSError(errno.ENOSPC, "the disk accepted no more data (is it full?)")
        view = view[written:]


def check_writable_target(path: str | os.PathLike[str]) -> Path:
    """Check, before any work is done, that ``path`` can be written by :func:`write_atomic`.

    Refuses special files (devices, FIFOs, sockets, folders) and a missing or unwritable
    folder. An existing symbolic link is fine: it is replaced, never written through.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a special file"
        raise OSError(errno.EINVAL, f"{kind}, not a regular file", str(target))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(errno.ENOENT, "no such folder", str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(errno.EACCES, "the folder is not writable", str(folder))
    return target


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write all of ``data`` to ``path`` or leave ``path`` as it was; raise ``OSError`` on failure.

    Text is written as UTF-8. The temporary file sits in the target's folder (so the final
    rename is atomic), is fsynced before the rename and removed on failure. A symbolic link at
    ``path`` is replaced by the new file. An existing file keeps its permissions; a new file
    gets 0666 less the umask (not the 0600 of a temporary file).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = check_writable_target(path)
    mode = 0o666 & ~_umask() if target.is_symlink() else _new_file_mode(target)
    folder = target.parent if str(target.parent) else Path(".")
    temp = folder / f".{target.name}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_output(path: str, data: bytes | str) -> None:
    """:func:`write_atomic`, or standard output when ``path`` is ``-``."""
    if path != STDOUT:
        write_atomic(path, data)
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """Read a whole regular file of at most ``limit`` bytes; raise ``OSError`` otherwise.

    Opened non-blocking, so a FIFO cannot hang the caller; the type is checked on the open
    descriptor (no race with a swapped file); at most ``limit + 1`` bytes are ever read, so a
    file that grows while being read cannot exhaust memory either.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a special file"
            raise OSError(errno.EINVAL, f"{kind}, not a regular file", str(path))
        if info.st_size > limit:
            raise FileTooLarge(
                errno.EFBIG, f"the file is too large ({info.st_size} bytes; limit {limit})"
            )
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise FileTooLarge(errno.EFBIG, f"the file is larger than the limit ({limit} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)
