"""Worker processes, the one engine under the solve watchdog, re-solves, sweeps and Monte Carlo.

``Workers`` forks ``count`` children (the fork inherits the model or problem, so nothing needs
pickling and no import is paid again; from a process with other threads, where a fork is not
safe, a forkserver starts them); each builds its state once (``setup``) and runs a task
for each payload it is sent, answering through its own pipe. A task may report progress on
the way (the watchdog's child sends every improving solution). The parent waits on the pipes:
a worker silent for longer than ``patience`` is killed (with the process group it leads: CBC
runs as a program of its own) and its payload answered by ``STOPPED``; a fresh worker takes
its place; at a deadline (``until``) every worker still busy is stopped and every payload
not answered is answered ``STOPPED``. A worker that dies is a ``WorkerDied``. Every worker
leaves Ctrl-C to its parent, and on Linux the kernel kills it when its parent dies, even by
SIGKILL (PR_SET_PDEATHSIG); the folder of temporary files a parent killed that way leaves
behind (``allocator-work-<pid>-…``) is removed by the next pool started on this machine.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import cast

STOPPED = object()  # the answer to a payload whose worker was stopped: silent, or too late
GRACE_SECONDS = 1.0  # after a time limit, before a solver still running is stopped
SCRATCH = "allocator-work-"  # the start of a pool's folder of temporary files


class WorkerDied(RuntimeError):
    """A worker ended without answering (``exitcode``: its exit status, or −signal)."""

    def __init__(self, exitcode: int | None, name: str = ""):
        self.exitcode = exitcode
        super().__init__(f"a {name + ' ' if name else ''}worker died (exit code {exitcode})")


def can_fork() -> bool:
    """Whether this process may fork a worker safely: not from a process with other threads
    (a fork copies only the calling one), nor from a daemon worker (which may have no
    children)."""
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


class Workers:
    """``count`` forked workers, each with the state ``setup(*args)`` builds, running
    ``task(state, payload, report)`` for the payloads ``run`` is given. ``group``: each
    worker leads a process group of its own, killed whole when it is stopped; ``name``
    says what they do, in messages. ``fork``: True to fork whatever the threads here (the
    caller has checked ``can_fork``, or its state does not pickle); None forks where that is
    safe and, elsewhere, has a forkserver start the workers (the task, its setup and their
    arguments must then pickle)."""

    def __init__(self, count: int, task: Callable, setup: Callable | None = None,
                 args: tuple = (), *, group: bool = False, name: str = "",
                 fork: bool | None = None):
        self.task, self.setup, self.args, self.group = task, setup, args, group
        self.name = name
        # the workers' temporary files (solver logs, CBC's model files): a worker stopped by
        # SIGKILL cannot remove its own, so the folder goes when the workers do; a parent
        # killed by SIGKILL leaves it, so its pid is in the name and the next pool removes it
        _remove_stale_scratch()
        self._scratch = tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-")
        self._context = multiprocessing.get_context(
            "fork" if fork or can_fork() else "forkserver"
            if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        self._workers: list = []
        self._busy: set = set()  # the workers given a payload they have not answered yet
        for _ in range(max(1, count)):
            self._start()

    def _start(self):
        mine, theirs = self._context.Pipe()
        proc = self._context.Process(target=_serve, daemon=True, args=(
            theirs, self.task, self.setup, self.args, self.group, self._scratch))
        proc.start()
        theirs.close()
        self._workers.append((proc, mine))
        return proc, mine

    def run(self, payloads: Sequence, *, patience: float | None = None,
            until: float | None = None,
            on_progress: Callable[[int, object], None] | None = None
            ) -> Iterator[tuple[int, object]]:
        """Yield ``(index, answer)`` as each payload is answered (``STOPPED`` for one whose
        worker was silent for ``patience`` seconds, and for every one not answered by
        ``until``, a ``time.monotonic()`` instant); ``on_progress(index, data)`` hears what
        tasks report on the way. Raises ``WorkerDied``, or what a task raised."""
        queue = list(range(len(payloads)))[::-1]
        busy: dict = {}  # connection → (payload index, process, started)

        def give(proc, conn):
            if queue:
                k = queue.pop()
                conn.send((k, payloads[k]))
                busy[conn] = (k, proc, time.perf_counter())
                self._busy.add(proc)
        for proc, conn in list(self._workers):
            give(proc, conn)
        while busy:
            if until is not None and time.monotonic() >= until:  # too late for all of them
                for conn, (k, proc, _) in list(busy.items()):
                    self._kill(proc, conn)
                    yield k, STOPPED
                while queue:
                    yield queue.pop(), STOPPED
                return
            waits = [] if patience is None else [min(t + patience for _, _, t in busy.values())
                                                 - time.perf_counter()]
            if until is not None:
                waits.append(until - time.monotonic())
            timeout = max(0.0, min(waits)) if waits else None
            ready = cast(list[Connection], wait(list(busy), timeout))  # the pipes it was given
            if not ready:  # the deadline, or a worker outlived its patience: stop it, a fresh
                for conn, (k, proc, t) in list(busy.items()):  # one takes over
                    if patience is not None and time.perf_counter() - t >= patience:
                        del busy[conn]
                        self._kill(proc, conn)
                        yield k, STOPPED
                        give(*self._start())
                continue
            for conn in ready:
                k, proc, _ = busy[conn]
                try:
                    kind, _, data = conn.recv()
                except EOFError:
                    # its pipe closes a moment before it can be reaped: wait for its status
                    proc.join(timeout=5)
                    raise WorkerDied(proc.exitcode, self.name) from None
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(k, data)
                    continue
                del busy[conn]
                self._busy.discard(proc)
                if kind == "error":
                    raise data
                yield k, data
                give(proc, conn)

    def _kill(self, proc, conn) -> None:
        self._stop(proc)
        conn.close()
        self._workers.remove((proc, conn))
        self._busy.discard(proc)

    def close(self) -> None:
        """Stop every worker: told to end; one still busy (a ``run`` left unfinished) is
        killed when it does not end at once. An idle worker ends as soon as it reads that and
        is not waited for: a forked worker's exit (tearing down its copy of this process,
        5–15 ms) is no part of the caller's time; its exit status is collected by the next
        worker started, or at exit (multiprocessing's own bookkeeping)."""
        for proc, conn in self._workers:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        for proc, conn in self._workers:
            if proc in self._busy:
                proc.join(timeout=5)
                if proc.is_alive():
                    self._stop(proc)
            conn.close()
        self._workers = []
        self._busy.clear()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _stop(self, proc) -> None:
        """Kill a worker, with the process group it leads."""
        if self.group:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass  # not yet in its own group
        proc.kill()
        proc.join()

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        # on an error or Ctrl-C, a task in progress may run for its whole time limit
        if exc[0] is not None:
            for proc, _ in self._workers:
                self._stop(proc)
        self.close()


def _remove_stale_scratch() -> None:
    """Remove the temporary folders of pools whose parent is no longer running (killed by
    SIGKILL or a power cut: its workers died with it, the folder stayed)."""
    for stale in Path(tempfile.gettempdir()).glob(f"{SCRATCH}*-*"):
        pid = stale.name[len(SCRATCH):].split("-", 1)[0]
        if pid.isdigit() and stale.is_dir() and not running(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether a process of this pid runs (someone else's counts): whether what it left in
    temporary files may still be in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _serve(conn, task: Callable, setup: Callable | None, args: tuple, group: bool,
           scratch: str) -> None:
    """A worker: payloads in, answers (or the exception a task raised) out, until told to
    stop."""
    if group:
        os.setpgrp()  # so that stopping it stops what it starts too
    forked_worker()
    tempfile.tempdir = os.environ["TMPDIR"] = scratch
    state = setup(*args) if setup is not None else None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            break
        if message is None:
            break
        k, payload = message

        def report(data, k=k):
            conn.send(("progress", k, data))
        try:
            answer = ("done", k, task(state, payload, report))
        except BaseException as exc:  # noqa: BLE001 -- raised again in the parent
            answer = ("error", k, exc)
        try:
            conn.send(answer)
        except Exception:  # not picklable
            conn.send(("error", k, RuntimeError(f"{type(answer[2]).__name__}: {answer[2]}")))
    conn.close()
