"""CBC racing HiGHS on the other core: on a small model's one MILP (``mip.plain_milp``), and
on the LP-first path's final MILP when it has a search to make; or leading, alone at first,
on a small 0-1 packing model (``packing``).

On allocation models whose LP bound is tight the final MILP only proves an allocation RENS
already found, and HiGHS does that best alone. Where the bound is loose (a pure multi-knapsack
such as OR-Library's mknapcb, 1–3% between the LP and the best allocation), CBC's search finds
better allocations sooner: in 10 s its mean gap to the best known on mknapcb4 is 0.00% against
HiGHS's 0.08% (benchmarks/RESULTS.md). So there, on two cores or more, the CBC that PuLP ships
solves the same restricted model beside HiGHS; the first to prove the optimum stops the other,
and when neither does, the better allocation is kept, with HiGHS's bound.

CBC runs as a program of the process that starts it, on the model as HiGHS writes it in MPS,
told the same gaps (``base.stopping_gaps``): of the watchdog's child's group (stopped with it),
or, leading on a knapsack, of the command's own process, which stops it itself
(``mip.cbc_lead``).
"""
from __future__ import annotations

import functools
import importlib.util
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace

import numpy as np

from allocator.backends.base import SolveOptions, objective_step, stopping_gaps
from allocator.backends.highs import instance as H

# the relative distance between the best allocation and the bound above which the final MILP
# has a search to make and CBC races it (the bundled presets start it within 7.6e-5, mknapcb
# instances within 1–3%)
RACE_GAP = 1e-3
STOP_SECONDS = 5.0  # how long a finished HiGHS waits for CBC to end at its own time limit
# how long past its own time limit CBC leading alone (``mip.cbc_lead``) is waited for before it
# is stopped: the watchdog's grace (``runtime.workers.GRACE_SECONDS``), as the command's own
# process watches it
OVERRUN_SECONDS = 1.0
CHECK_SECONDS = 0.05  # how often HiGHS's interrupt callback looks at CBC, at most


@functools.cache
def cbc_program() -> str | None:
    """The CBC program PuLP ships, when it is installed here: looked for first where PuLP
    keeps it (``shipped_cbc``), PuLP asked only when it is not there."""
    shipped = shipped_cbc()
    if shipped is not None:
        return shipped
    try:
        import pulp
    except ImportError:
        return None
    with warnings.catch_warnings():  # PuLP 3 deprecates the name, not the program
        warnings.simplefilter("ignore", DeprecationWarning)
        path = pulp.apis.PULP_CBC_CMD().path
    return path if path and os.access(path, os.X_OK) else None


def shipped_cbc() -> str | None:
    """The CBC program in PuLP's folder (``solverdir/cbc/<system>/<arch>/``, as
    ``pulp.apis.core`` names them), found without importing PuLP: a race starts in the
    watched child, which has no cache of its parent's, and importing PuLP there cost ~18 ms
    of every race (mknap1-6 takes ~100 ms in all)."""
    spec = importlib.util.find_spec("pulp")
    if spec is None or not spec.submodule_search_locations:
        return None
    system = "win" if sys.platform in ("win32", "cli") else \
        "osx" if sys.platform == "darwin" else "linux"
    arch = "i32" if sys.maxsize <= 2**32 else "i64" if system == "osx" or \
        platform.machine().lower() not in ("aarch64", "arm64") else "arm64"
    path = os.path.join(spec.submodule_search_locations[0], "solverdir", "cbc", system, arch,
                        "cbc.exe" if system == "win" else "cbc")
    return path if os.access(path, os.X_OK) else None


def racing(options: SolveOptions) -> bool:
    """Whether CBC may race HiGHS: two cores or more, the user's one thread not asked for,
    ``ALLOCATOR_RACE`` not 0 (and CBC installed: ``Race`` looks when it starts)."""
    return options.threads != 1 and (os.cpu_count() or 1) >= 2 and \
        os.environ.get("ALLOCATOR_RACE", "").strip() != "0"


# on a knapsack (``packing``) CBC solves alone this long before HiGHS joins it: most of
# OR-Library's mknapcb1 (100 items, 5 limits) it proves sooner alone, where HiGHS beside it
# would slow it 1.6×; a longer search gains from the two searches (mknapcb4, 100 items and 10
# limits, in 10 s: mean gap to the best known 0.0338% with HiGHS joining after a second,
# 0.0495% with CBC alone throughout; python -m benchmarks.bench_orlib --ten-seconds)
JOIN_AFTER = 1.0


def packing(model) -> bool:
    """Whether ``model`` is a 0-1 packing problem (a multi-dimensional knapsack: every column
    a selection in {0, 1} of non-negative worth, every row an upper limit on non-negative
    uses), as OR-Library's mknap files and Pabulib's elections are. There CBC's search is
    the faster by far (mknapcb1: ~40 µs a node against HiGHS's 0.3–0.8 ms, 0.35–0.73 s
    against 0.9–3.8 s), and HiGHS racing beside it slowed it by 1.6× (the two vCPUs of the
    machine measured are not two free cores), so it leads alone (``mip.cbc_lead``), on one
    thread: on two it was 0.92× as long (geometric mean over eight mknap instances, from
    0.63× to 1.07×) and no longer deterministic; deterministic on two, 1.16×
    (benchmarks/RESULTS.md). HiGHS joins it after ``JOIN_AFTER``. Allocation models, with
    their continuous awards, never are."""
    c = np.asarray(model.c, float)
    return bool(np.all(model.integer) and np.all(model.col_lo == 0) and np.all(model.col_hi == 1)
                and np.all(c >= 0) and np.all(np.isneginf(model.row_lo))
                and np.all(model.nonnegative_rows()))


def wanted(objective: float | None, bound: float, options: SolveOptions) -> bool:
    """Whether CBC should race a final MILP starting from ``objective`` under ``bound``: not
    without a start (RENS found no allocation): there the hard part is to meet the rules, not
    to search among allocations, and CBC is the slower (the bundled `regional_equity`: CBC
    alone 19 s, HiGHS 9 s; racing made allocator's path 12.8 s against 7.4 s, load 11–18)."""
    return objective is not None and bound - objective > RACE_GAP * max(abs(objective), 1e-9) \
        and racing(options)


class Rival:
    """CBC solving ``model`` (a ``formulate.Restricted`` or a ``Model``) in the background
    until its time limit, or ``stop``."""

    def __init__(self, model, options: SolveOptions):
        self.model = model
        self.folder = tempfile.mkdtemp(prefix="allocator-cbc-")
        path = os.path.join(self.folder, "model.mps")
        self.solution = os.path.join(self.folder, "solution.txt")
        self.log = os.path.join(self.folder, "log.txt")
        H.build(model).writeModel(path)
        rel, absolute = stopping_gaps(options, objective_step(model))
        program = cbc_program()
        assert program is not None  # the caller checked it
        with open(self.log, "w") as log:
            # the file asks to maximise in an OBJSENSE section, which CBC's reader skips: -max
            self.proc = subprocess.Popen(
                [program, path, "-max", "-ratioGap", repr(rel), "-allowableGap", repr(absolute),
                 # CBC's -seconds are of CPU unless told otherwise
                 "-increment", "0", "-timeMode", "elapsed",
                 "-seconds", repr(max(0.1, options.time_limit)),
                 "-randomCbcSeed", "0", "-solve", "-solution", self.solution],
                stdout=log, stderr=subprocess.DEVNULL)
        # CBC may be started by the watchdog's process and raced by HiGHS in its watched
        # child (``mip.cbc_lead``): only its parent can wait for it, so its end is read from a
        # process descriptor, which the child inherits
        self.owner = os.getpid()
        self.descriptor = descriptor(self.proc.pid)

    def proven(self) -> bool:
        """Whether CBC has ended, having proven its allocation optimal."""
        return self.ended(0.0) and self._head().startswith("Optimal")

    def result(self, wait: float) -> tuple[np.ndarray | None, bool]:
        """CBC's column values (None: none; the caller checks them against the rules) and
        whether it proved them optimal, waiting at most ``wait`` seconds for it to end."""
        if not self.ended(max(0.0, wait)):
            return None, False
        head = self._head()
        if not head or "objective value" not in head:
            return None, False
        values = np.zeros(self.model.A.shape[1])
        with open(self.solution, encoding="utf-8", errors="replace") as f:
            next(f)
            for line in f:
                parts = line.replace("**", " ").split()
                if len(parts) >= 3 and parts[0].isdigit():
                    values[int(parts[0])] = float(parts[2])
        values[self.model.integer] = np.round(values[self.model.integer])
        return values, head.startswith("Optimal")

    def ended(self, wait: float) -> bool:
        """Whether CBC has ended, waiting at most ``wait`` seconds: woken by its end through its
        process descriptor where Linux has them, as ``Popen.wait`` with a timeout is not (it
        sleeps up to 50 ms between looks: 60–110 ms of a 0.4–0.7 s mknapcb1 solve)."""
        if self.descriptor is not None:
            ready, _, _ = select.select([self.descriptor], [], [], max(0.0, wait))
            return bool(ready)
        if self.proc.poll() is not None:
            return True
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        return True

    def printed(self) -> str:
        """What CBC printed (its log)."""
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _head(self) -> str:
        try:
            with open(self.solution, encoding="utf-8", errors="replace") as f:
                return f.readline()
        except OSError:
            return ""

    def stop(self) -> None:
        """End CBC. From the watched child of the process that started it, only killed: its
        parent reaps it (it cannot be reaped before, so its pid is still CBC's) and removes its
        files."""
        if os.getpid() != self.owner:
            if not self.ended(0.0):
                os.kill(self.proc.pid, signal.SIGKILL)
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
        shutil.rmtree(self.folder, ignore_errors=True)


@functools.cache
def followable() -> bool:
    """Whether a CBC started here can be followed from a forked child (which cannot wait for
    it): whether this system gives process descriptors (``descriptor``)."""
    mine = descriptor(os.getpid())
    if mine is None:
        return False
    os.close(mine)
    return True


def descriptor(pid: int) -> int | None:
    """A process descriptor of ``pid`` (readable once it has ended), where Linux has them."""
    try:
        return os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except OSError:  # a kernel without them
        return None


def proven_bound(worth: float, model, options: SolveOptions) -> float:
    """The bound CBC's "Optimal" gives on ``model`` for an allocation worth ``worth``: within
    the relative gap it was told, or (an objective in steps) the allocation's worth, which
    ``settled`` reads as the whole-number optimum. CBC's own bound is not read."""
    rel, _ = stopping_gaps(options, objective_step(model))
    return worth + rel * abs(worth)


def cbc_bound(printed: str, worth: float) -> float | None:
    """A bound on the worth of a model CBC ended on (``printed``: its log), for its allocation
    worth ``worth``: that worth plus CBC's own distance from its objective to its "Upper
    bound" (of a maximisation; in its terms, whatever it made of the file's offset). None
    when it printed none."""
    upper = re.findall(r"^Upper bound:\s+(\S+)", printed, re.MULTILINE)
    value = re.findall(r"^Objective value:\s+(\S+)", printed, re.MULTILINE)
    try:
        return worth + max(0.0, float(upper[-1]) - float(value[-1])) if upper and value \
            else None
    except ValueError:
        return None


def cbc_version(printed: str) -> str:
    found = re.search(r"^Version:\s+(\S+)", printed, re.MULTILINE)
    return found.group(1) if found else ""


class Race:
    """CBC beside one HiGHS MILP on ``model``: started ``after`` seconds into HiGHS's search
    (at once for 0), so that a MILP HiGHS ends sooner does not pay for starting and stopping
    CBC (~25 ms: a fork, the MPS file, a kill), or the ``rival`` already running (on a
    knapsack, where CBC leads); HiGHS stops once CBC has proven its optimum.
    ``watch`` hands HiGHS the callback; ``rival`` is the CBC started, if any; ``stop`` ends it.
    """

    def __init__(self, model, options: SolveOptions, after: float = 0.0,
                 rival: Rival | None = None):
        self.model, self.options, self.after = model, options, after
        self.t0 = time.perf_counter()
        self.last = self.t0 - CHECK_SECONDS
        self.started = rival is not None
        self.rival = rival
        if after <= 0 and rival is None:
            self._start(self.t0)

    def watch(self, h) -> None:
        h.cbMipInterrupt.subscribe(self._check)

    def _start(self, now: float) -> None:
        self.started = True
        if cbc_program() is not None:
            left = self.options.time_limit - (now - self.t0)
            self.rival = Rival(self.model, replace(self.options, time_limit=left))

    def _check(self, event) -> None:
        now = time.perf_counter()
        if now - self.last < CHECK_SECONDS:
            return
        self.last = now
        if not self.started:
            if now - self.t0 >= self.after:
                self._start(now)
        elif self.rival is not None and self.rival.proven():
            event.interrupt()

    def stop(self) -> None:
        if self.rival is not None:
            self.rival.stop()
