"""Writing outputs so that nothing is ever half-written or lost.

Every output goes to a temporary file in the target folder and is renamed over the target only
once complete: a crash, a full disk or Ctrl-C leaves the previous file intact and no partial one.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output cannot be written where the user asked (exit code 2)."""


def check_output(path: str | os.PathLike, *, inputs: tuple = ()) -> Path:
    """Refuse, before any work is done, an output that would overwrite an input or has no folder.

    ``inputs`` are the files the run read: the user's input is never modified.
    """
    target = Path(path)
    for source in inputs:
        if Path(source).exists() and target.exists() and target.resolve() == Path(source).resolve():
            raise OutputError(f"{target}: the output would overwrite the input; choose another path")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{target}: folder {folder} does not exist; create it or choose another path")
    if target.is_dir():
        raise OutputError(f"{target} is a folder; give a file name such as {target / 'out.xlsx'}")
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, inputs: tuple = ()):
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds."""
    target = check_output(path, inputs=inputs)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the output from colleagues
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
