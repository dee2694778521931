"""Worker processes: when one may be forked safely, and how a forked one is set up so that it
dies with its parent and leaves Ctrl-C to it."""
from __future__ import annotations

import multiprocessing
import signal
import sys
import threading


def can_fork() -> bool:
    """Whether this process may fork a solver child safely (not from a process with other threads, nor from a daemon worker, which may have no children)."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon
            and threading.active_count() == 1)


def forked_worker() -> None:
    """Set up a forked child: Ctrl-C is its parent's to handle, and on Linux the kernel kills
    it when its parent dies (even by SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
