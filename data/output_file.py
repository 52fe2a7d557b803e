"""Write an export's output so that a failure never costs the user a file.

A regular file is written to a temporary file beside it and renamed into place only when
the whole export has succeeded, so a failing query, a cancel or a crash leaves whatever
was there byte for byte. An existing file is replaced only when the caller says so (the
command line's --force, the screen's confirmation). A device, a FIFO or a socket (/dev/null,
a named pipe) is written directly and never unlinked: it is not ours to remove.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from data.errors import Refusal


class OutputExists(Refusal, FileExistsError):
    """The output is an existing regular file and replacing it was not asked for."""

    title = "File exists"

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists: nothing was written (replace it with --force)")
        self.path = path


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


@contextmanager
def output_file(path: Path, *, replace: bool = False) -> Iterator[TextIO]:
    """A text stream for `path` that lands only if the block finishes without an exception.

    Raises:
        OutputExists: `path` is an existing regular file and `replace` is false.
        OSError: the directory cannot be written, `path` is a directory, and so on.
    """
    target = Path(os.path.realpath(path))  # a symlink's target is replaced, not the link
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory", str(path))
        with open(target, "w", encoding="utf-8", newline="") as stream:
            yield stream
        return
    if mode is not None and not replace:
        raise OutputExists(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:  # name the file the user asked for, not our temporary one
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file 0600; give it what the replaced file had, or what a new
        # file would get under the user's umask.
        os.chmod(temporary, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    # os.umask can only be read by setting it, which races with other threads creating
    # files; Linux reports it in /proc.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022
