"""Writing outputs so that nothing is ever half-written or lost.

Every output goes to a temporary file in the target folder and is renamed over the target only
once complete: a crash, a full disk or Ctrl-C leaves the previous file intact and no partial one.
"""
from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from allocator.core.lang import phrase
from allocator.runtime.workers import running


class OutputError(Exception):
    """An output cannot be written where the user asked (exit code 2)."""


def check_output(path: str | os.PathLike, *, inputs: tuple = (), force: bool | None = None) -> Path:
    """Refuse, before any work is done, an output that would overwrite an input or has no folder.

    ``inputs`` are the files (or folders of .csv files) the run read: the user's input is never
    modified. ``force``: None leaves an existing file to the caller (library use); False
    replaces it only when allocator wrote it (``written_by_allocator``); True replaces it.
    """
    target = Path(path)
    if len(os.fsencode(target.name)) > 255:
        raise OutputError(phrase("output.long_name", given=target.name[:40]))
    for source in inputs:
        source = Path(source)
        if source.exists() and target.exists() and target.resolve() == source.resolve():
            raise OutputError(phrase("output.is_input", path=target))
        if source.is_dir() and target.suffix.lower() == ".csv" and \
                target.resolve().parent == source.resolve():
            raise OutputError(phrase("output.among_csv", path=target, folder=source))
    if force is False and target.is_file() and not written_by_allocator(target):
        raise OutputError(phrase("output.not_ours", path=target))
    folder = target.parent if str(target.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(phrase("output.folder_is_file", path=target, folder=folder))
    if not folder.is_dir():
        raise OutputError(phrase("output.no_folder", path=target, folder=folder))
    if target.is_dir():
        raise OutputError(phrase("output.is_folder", path=target, example=target / "out.xlsx"))
    if target.exists() and not target.is_file():
        # renaming over it would replace a device, a pipe or a socket (as root, /dev/null)
        raise OutputError(phrase("output.not_file", path=target))
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, inputs: tuple = ()):
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    What the system refuses on the way (a folder one may not write to, a full disk) is an
    OutputError that says so, and leaves neither the temporary file nor a half-written
    output."""
    target = check_output(path, inputs=inputs)
    folder = target.parent
    _remove_stale(folder, target.name)
    # the writer's pid in the name: a run killed outright (SIGKILL, power cut) leaves its
    # temporary file behind, and the next run into this folder removes it
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_stem(target.name)}{os.getpid()}.", suffix=".tmp",
                                   dir=folder)
    except OSError as exc:
        raise _refused(target, exc) from None
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the output from colleagues
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _REFUSALS:
            raise _refused(target, exc) from None
        raise


# what the system may refuse a writer for reasons of the user's: the folder, the disk, quotas
_REFUSALS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG,
             errno.ENAMETOOLONG}


def _refused(target: Path, exc: OSError) -> OutputError:
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return OutputError(phrase("output.full", path=target, error=why))
    return OutputError(phrase("output.refused", path=target, folder=target.parent, error=why))


def _stem(name: str) -> str:
    """The start of a temporary file's name for ``name``: the name itself, or, for a long
    one, a digest of it, so that the temporary name stays within the system's 255 bytes."""
    if len(os.fsencode(name)) <= 100:
        return f".{name}."
    return f".{hashlib.sha256(os.fsencode(name)).hexdigest()[:16]}."


def _remove_stale(folder: Path, name: str) -> None:
    """Remove temporary files of ``name`` left by writers that are no longer running."""
    prefix = _stem(name)
    for stale in folder.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = stale.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not running(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()


# What allocator's own outputs hold near their start, by kind (xlsx: see written_by_allocator).
# Plots are drawn with matplotlib, which signs them; CSV: the allocation's first columns;
# exported models (--export-model, by PuLP) carry the problem's name, "allocation".
# what only allocator writes at the head of each kind of file: a comment in a report, the
# software or creator field of a plot (the word "allocator" anywhere, or matplotlib's own
# signature, would match a user's notes or plots too), the header or name of the rest
MARKER = "<!-- written by allocator: the next run replaces this file -->"
SIGNATURES = {".csv": b"project_id,territory_id,region,theme,title,",
              ".png": b"tEXtSoftware\x00allocator", ".svg": b"<dc:title>allocator",
              ".pdf": b"/Creator (allocator", ".md": MARKER.encode(), ".html": MARKER.encode(),
              ".htm": MARKER.encode(), ".mps": b"NAME          allocation",
              ".lp": b"\\* allocation *\\"}


def written_by_allocator(path: str | os.PathLike) -> bool:
    """Whether an existing file is one allocator wrote, so a new run may replace it.

    An .xlsx: its document author (docProps/core.xml) is "allocator", as every workbook it
    writes sets. Other kinds: the signature of SIGNATURES in its first 64 KB.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    try:
        if suffix == ".xlsx":
            with zipfile.ZipFile(target) as archive:
                info = archive.getinfo("docProps/core.xml")
                if info.file_size > 1 << 20:  # a real core.xml is under 1 KB
                    return False
                core = archive.read(info)
            return b"<dc:creator>allocator</dc:creator>" in core
        with open(target, "rb") as f:
            head = f.read(1 << 16)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False
    signature = SIGNATURES.get(suffix)
    return signature is not None and signature in head
