"""Proportional rules for participatory-budgeting elections: the Method of Equal Shares (MES)
and sequential Phragmén, on the voters' ballots (``Problem.ballots``), in exact arithmetic.

**MES** (Peters, Pierczyński & Skowron 2021; https://equalshares.net). Each voter gets an equal
share of the budget. A project is bought by its supporters, each paying ``min(money left,
ρ × utility)``; each round buys the project of least ρ (money per unit of utility) its
supporters can afford, and stops when none is affordable. Utilities: the project's cost for
approval ballots (cost utilities: the variant Polish and Dutch cities use), the points the voter
gave (cumulative ballots), or the points of its rank under the file's scoring (ordinal).
Completions (``completion``):

- ``none``: MES as is (it may leave money unspent);
- ``add1``: the voters' share raised by one currency unit at a time, MES run again each time,
  until its outcome leaves no further project affordable within the budget (kept) or
  overspends the budget (the previous outcome kept);
- ``greedy``: then the remaining projects down the utilitarian ranking (utility per unit of
  cost: approvals for approval ballots, points per unit of cost otherwise), each funded if it
  still fits;
- ``add1-greedy``: both, in that order (the usual choice).

**Sequential Phragmén** (approval ballots only). Voters earn money continuously; a project is
bought as soon as its supporters together hold its cost, their loads evened out; the rule
stops at the first project so bought that would overspend the budget.

Both follow pabutools (https://pabutools.readthedocs.io), the reference library, outcome for
outcome: exact rationals (``fractions.Fraction``: every comparison of ρ or loads is exact),
ties broken by project id compared as text (pabutools' lexicographic tie-breaking), projects
nobody supports never bought by MES. A project costing nothing is pabutools' special case:
MES buys it before any money moves if somebody values it (never under cost utilities, where
it is worth its cost, 0); the utilitarian completion ranks it first if valued; Phragmén buys
it at the load its supporters already carry.

Voters with the same money left share one exact value (a "level"), so the arithmetic on
rationals runs per distinct amount, not per voter: a city of 90,000 voters costs a few
thousand Fraction operations per round.

**Across territories** (a workbook, no ballots): each territory is a voter holding a share of
the envelope in proportion to the scenario's fairness basis (industrial jobs or population),
supporting its own projects, each valued at its score under the scenario (what the objective
gains when it is funded in full). MES then buys, in each territory, what it values most per
euro within its share, and the greedy completion spends what the shares leave. Beside the
optimum (``compare`` of the two result workbooks), the difference in jobs is the price of
funding every territory in proportion.

**Under the programme's rules.** Projects locked in are funded first (the voters share what
they leave; for Phragmén they count as spent), projects locked out never. For a problem whose
rows say more than the budget (caps, exclusive groups, themes' maximum shares, resources,
``requires``: anything ``formulate`` writes), a project is bought only if the allocation still
keeps every such upper limit afterwards (theme shares held against the budget, as the greedy
ranking does); floors and minimums are checked at the end, the allocation reported
infeasible, naming them, when one is unmet. No library does this: it is MES restricted, round
by round, to the allocations the programme allows.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import scipy.sparse as sp

from allocator.core.ballots import APPROVAL, Ballots
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.core.version import __version__
from allocator.formulate import MEUR, Model, formulate
from allocator.solve.greedy import TOTAL, full_values, rule_bounds, unmet
from allocator.solve.solution import Solution

COMPLETIONS = ("none", "add1", "greedy", "add1-greedy")
TERRITORIES = "territories"  # the voters of a workbook without ballots
RULES = ("mes", "phragmen")
SCREEN = 1e-9  # relative margin of the float screening of candidates (errors are ~1e-13)
BUDGET_ROWS = "budget"  # the envelope: MES keeps it through the voters' money, not as a row


class Election:
    """A problem's ballots and costs as exact numbers, indexed by project position."""

    def __init__(self, problem: Problem, budget: float, scores: np.ndarray | None = None,
                 basis: str = "industrial_jobs"):
        ballots = problem.ballots
        self.weights: list[Fraction] | None = None  # each voter's share, in equal shares
        if ballots is None:
            if scores is None:
                raise InputError([Finding(ERROR, problem.source or "projects",
                                          phrase("mes.ballots"))])
            ballots, self.weights = territory_electorate(problem, scores, basis)
        self.kind = ballots.kind
        self.n_voters = ballots.n_voters
        self.names = [str(x) for x in problem.projects["project_id"]]
        self.costs = [_exact(c) for c in problem.projects["requested"]]
        self.budget = _exact(budget)
        lock = problem.projects["lock"].to_numpy(object)
        self.locked = [j for j in range(len(lock)) if lock[j] == "in"]  # funded first
        self.allowed = lock == ""  # what the rules may still choose
        points = sp.csc_array(ballots.points)
        self.voters = [points.indices[points.indptr[j]:points.indptr[j + 1]]
                       for j in range(points.shape[1])]
        self.points = [points.data[points.indptr[j]:points.indptr[j + 1]].astype(np.int64)
                       for j in range(points.shape[1])]
        # utility of a supporter = unit × points: cost utilities for approval ballots, the
        # project's score for a territory
        self.unit = [c if self.kind == APPROVAL else
                     _exact(scores[j]) if self.kind == TERRITORIES and scores is not None
                     else Fraction(1) for j, c in enumerate(self.costs)]

    def start(self, bought: Callable[[int], None] | None) -> list[int]:
        """The projects locked in: funded before any rule runs (an initial allocation)."""
        for j in self.locked:
            if bought is not None:
                bought(j)
        return list(self.locked)

    def utility(self, j: int) -> Fraction:
        """Total utility of project j over all voters."""
        return self.unit[j] * int(self.points[j].sum())

    def density(self, j: int) -> Fraction | float:
        """Utility per unit of cost, the utilitarian completion's ranking (pabutools'): what
        is worth something and costs nothing comes first, what is worth nothing last."""
        utility = self.utility(j)
        if utility <= 0:
            return Fraction(0)
        return utility / self.costs[j] if self.costs[j] > 0 else float("inf")


class Money:
    """Voters' money left, exact: voters holding the same amount share one level."""

    def __init__(self, n_voters: int, share: Fraction, weights: list[Fraction] | None = None):
        start = [share] * n_voters if weights is None else [share * w for w in weights]
        self.values: list[Fraction] = list(dict.fromkeys(start))
        self.index = {v: k for k, v in enumerate(self.values)}
        self.level = np.array([self.index[v] for v in start], np.int64)
        # the levels as floats, to screen candidates
        self.approx = np.array([float(v) for v in self.values])

    def estimate(self, election: Election, j: int) -> tuple[float, float]:
        """Project j's ρ and its supporters' money, in floats (ρ = inf when they cannot
        pay): within a relative 1e-12 or so of the exact values, enough to tell which
        projects may be the cheapest."""
        voters = election.voters[j]
        money = self.approx[self.level[voters]]
        sats = float(election.unit[j]) * election.points[j]
        held = float(money.sum())
        cost = float(election.costs[j])
        if held < cost:
            return float("inf"), held
        order = np.argsort(money / sats, kind="stable")
        money, sats = money[order], sats[order]
        paid = np.cumsum(money) - money  # by those poorer than each
        weight = sats.sum() - (np.cumsum(sats) - sats)  # of each and those richer
        rho = (cost - paid) / weight
        first = np.flatnonzero(rho * sats <= money * (1 + SCREEN))
        return (float(rho[first[0]]) if len(first) else float("inf")), held

    def groups(self, voters: np.ndarray, points: np.ndarray):
        """Distinct (level, points) pairs among ``voters``: levels, points, counts, and each
        voter's group."""
        base = int(points.max()) + 1 if len(points) else 1
        keys, inverse, counts = np.unique(self.level[voters] * base + points,
                                          return_inverse=True, return_counts=True)
        return keys // base, keys % base, counts, inverse

    def total(self, voters: np.ndarray) -> Fraction:
        counts = np.bincount(self.level[voters], minlength=len(self.values))
        return sum((int(k) * self.values[v] for v in np.flatnonzero(counts)
                    for k in (counts[v],)), Fraction(0))

    def price(self, election: Election, j: int) -> Fraction | None:
        """Least ρ at which project j's supporters, each paying min(money, ρ × utility),
        pay its cost; None when they cannot."""
        cost, unit = election.costs[j], election.unit[j]
        voters, points = election.voters[j], election.points[j]
        levels, pts, counts, _ = self.groups(voters, points)
        money = [self.values[v] for v in levels]
        if sum((int(k) * m for k, m in zip(counts, money)), Fraction(0)) < cost:
            return None
        sats = [unit * int(p) for p in pts]
        # poorest first, per unit of utility (one utility for all: money alone orders them)
        order = sorted(range(len(money)), key=(money.__getitem__ if len(set(pts)) == 1
                                               else lambda g: money[g] / sats[g]))
        paid, weight = Fraction(0), sum((int(counts[g]) * sats[g] for g in order), Fraction(0))
        for g in order:
            rho = (cost - paid) / weight
            if rho * sats[g] <= money[g]:
                return rho
            paid += int(counts[g]) * money[g]
            weight -= int(counts[g]) * sats[g]
        return None  # unreachable: the supporters hold at least the cost

    def pay(self, election: Election, j: int, rho: Fraction) -> None:
        voters, points = election.voters[j], election.points[j]
        levels, pts, _, inverse = self.groups(voters, points)
        moved = np.empty(len(levels), np.int64)
        for g, (v, p) in enumerate(zip(levels, pts)):
            left = max(self.values[v] - rho * election.unit[j] * int(p), Fraction(0))
            if left not in self.index:
                self.index[left] = len(self.values)
                self.values.append(left)
                self.approx = np.append(self.approx, float(left))
            moved[g] = self.index[left]
        self.level[voters] = moved[inverse]


def method_of_equal_shares(election: Election, share: Fraction,
                           fits: Callable[[int], bool] | None = None,
                           bought: Callable[[int], None] | None = None) -> list[int]:
    """Projects MES buys with ``share`` per voter, in the order bought. ``fits(j)``: whether
    project j may be added under the programme's rules now; ``bought(j)`` is told of each."""
    money = Money(election.n_voters, share, election.weights)
    chosen = election.start(bought)
    # what costs nothing and is worth something is bought before any money moves (pabutools'
    # initial allocation); under cost utilities it is worth nothing, so MES never buys it
    for j in range(len(election.costs)):
        if (election.allowed[j] and election.costs[j] == 0 and election.utility(j) > 0
                and (fits is None or fits(j))):
            chosen.append(j)
            if bought is not None:
                bought(j)
    # projects that cost something and that somebody values, not locked out, while they stay
    # affordable, each with a lower bound on its ρ (ρ only grows as money is spent)
    bound = {j: float(election.costs[j] / election.utility(j)) * (1 - SCREEN)
             for j in range(len(election.costs))
             if election.allowed[j] and election.costs[j] > 0 and election.utility(j) > 0}
    while True:
        # floats find the few projects that may be cheapest, in order of their bounds (as
        # pabutools does, exactly); exact prices decide among them
        lowest = float("inf")
        estimates: dict[int, float] = {}
        for j in sorted(bound, key=bound.__getitem__):
            if bound[j] > lowest * (1 + SCREEN):
                break
            if fits is not None and not fits(j):
                continue
            guess, held = money.estimate(election, j)
            if held < float(election.costs[j]) * (1 - SCREEN):
                del bound[j]  # its supporters cannot pay, and only get poorer
                continue
            estimates[j] = guess
            if guess < float("inf"):
                bound[j] = guess * (1 - SCREEN)
                lowest = min(lowest, guess)
        near = [j for j, guess in estimates.items()
                if guess <= lowest * (1 + SCREEN) or guess == float("inf")]
        best: Fraction | None = None
        tied: list[int] = []
        for j in near:
            exact = money.price(election, j)
            if exact is None:
                del bound[j]
                continue
            if best is None or exact < best:
                best, tied = exact, [j]
            elif exact == best:
                tied.append(j)
        if best is None:
            if near:
                continue  # those screened could not pay after all: look again
            return chosen
        j = min(tied, key=election.names.__getitem__)
        money.pay(election, j, best)
        chosen.append(j)
        del bound[j]
        if bought is not None:
            bought(j)


def sequential_phragmen(election: Election, fits: Callable[[int], bool] | None = None,
                        bought: Callable[[int], None] | None = None) -> list[int]:
    """Projects sequential Phragmén buys, in order (approval ballots)."""
    loads = np.zeros(election.n_voters, np.int64)  # each voter's load, as a level
    values: list[Fraction] = [Fraction(0)]
    chosen = election.start(bought)
    spent = sum((election.costs[j] for j in chosen), Fraction(0))
    left = [j for j, c in enumerate(election.costs) if c <= election.budget
            and election.allowed[j]]
    while left:
        best: Fraction | float | None = None
        tied: list[int] = []
        for j in left:
            if fits is not None and not fits(j):
                continue
            voters = election.voters[j]
            if not len(voters):
                load: Fraction | float = float("inf")
            else:
                counts = np.bincount(loads[voters], minlength=len(values))
                held = sum((int(counts[v]) * values[v] for v in np.flatnonzero(counts)),
                           Fraction(0))
                load = (held + election.costs[j]) / len(voters)
            if best is None or load < best:
                best, tied = load, [j]
            elif load == best:
                tied.append(j)
        if best is None or any(spent + election.costs[j] > election.budget for j in tied):
            return chosen
        j = min(tied, key=election.names.__getitem__)
        if best != float("inf"):
            values.append(Fraction(best))
            loads[election.voters[j]] = len(values) - 1
        spent += election.costs[j]
        chosen.append(j)
        left.remove(j)
        if bought is not None:
            bought(j)
    return chosen


def utilitarian_completion(election: Election, chosen: list[int],
                           fits: Callable[[int], bool] | None = None,
                           bought: Callable[[int], None] | None = None) -> list[int]:
    """The projects not chosen, down the utilitarian ranking (ties by id), each added if it
    fits the budget left (pabutools' greedy_utilitarian_welfare from an initial allocation)."""
    left = election.budget - sum((election.costs[j] for j in chosen), Fraction(0))
    rest = sorted((j for j in range(len(election.costs)) if j not in set(chosen)
                   and election.allowed[j]), key=election.names.__getitem__)
    rest.sort(key=lambda j: -election.density(j))
    out = list(chosen)
    for j in rest:
        if election.costs[j] <= left and (fits is None or fits(j)):
            out.append(j)
            left -= election.costs[j]
            if bought is not None:
                bought(j)
    return out


def exhaustive(election: Election, chosen: list[int], fits: Callable[[int], bool] | None
               ) -> bool:
    """No project MES could still buy (somebody supports it, it costs something: MES buys
    what costs nothing at once or never) fits the budget left."""
    left = election.budget - sum((election.costs[j] for j in chosen), Fraction(0))
    taken = set(chosen)
    return not any(j not in taken and election.allowed[j] and len(election.voters[j])
                   and 0 < election.costs[j] <= left and (fits is None or fits(j))
                   for j in range(len(election.costs)))


class Rules:
    """The model's upper limits, checked as projects are added (each funded in full)."""

    def __init__(self, model: Model, budget: float):
        self.model = model
        self.F = sp.csc_array(full_values(model))
        self.A = sp.csc_array(model.A)
        _, hi = rule_bounds(model)
        for g in model.groups:
            if g.name == BUDGET_ROWS:  # kept by the voters' money (see module docstring)
                hi[g.start:g.stop] = np.inf
        self.hi = hi
        self.tol = 1e-11 * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0.0)))
        self.total = model.col_names.index(TOTAL) if TOTAL in model.col_names else None
        self.budget = budget / MEUR
        self.reset()
        self.active = bool(np.isfinite(hi).any())

    def reset(self) -> None:
        self.values = np.zeros(len(self.model.c))
        if self.total is not None:
            self.values[self.total] = self.budget  # shares held against the budget
        self.activity = self.A @ self.values

    def step(self, j: int) -> np.ndarray:
        return np.asarray((self.A @ self.F[:, [j]]).todense()).ravel()

    def fits(self, j: int) -> bool:
        return bool(np.all(self.activity + self.step(j) <= self.hi + self.tol))

    def add(self, j: int) -> None:
        self.activity += self.step(j)
        self.values += np.asarray(self.F[:, [j]].todense()).ravel()


def equal_shares(problem: Problem, scenario: Scenario, *, rule: str = "mes",
                 completion: str | None = None, model: Model | None = None
                 ) -> tuple[Model, Solution]:
    """MES (with ``completion``: by default ``add1-greedy`` on ballots, ``greedy`` across
    territories) or sequential Phragmén on the problem's ballots, under the scenario's budget
    and rules; returns (model, Solution) as ``greedy`` does. Without ballots, MES runs across
    territories (see the module docstring)."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, not {rule!r}")
    if completion is not None and completion not in COMPLETIONS:
        raise ValueError(f"completion must be one of {', '.join(COMPLETIONS)}, "
                         f"not {completion!r}")
    t0 = time.perf_counter()
    model = model if model is not None else formulate(problem, scenario)
    scores = None
    if problem.ballots is None and rule == "mes":
        scores = np.asarray(full_values(model).T @ model.c).ravel()  # each project's worth
    election = Election(problem, scenario.budget, scores, scenario.fairness_basis)
    if completion is None:
        completion = "greedy" if election.kind == TERRITORIES else "add1-greedy"
    if election.kind == TERRITORIES and completion.startswith("add1"):
        raise InputError([Finding(ERROR, "--completion", phrase("mes.add1"))])
    rules = Rules(model, scenario.budget)
    fits = rules.fits if rules.active else None
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    if rule == "phragmen":
        if election.kind != APPROVAL:
            raise InputError([Finding(ERROR, problem.source or "ballots", phrase(
                "mes.phragmen", given=election.kind))])
        chosen = sequential_phragmen(election, fits, rules.add)
        label = "sequential Phragmén"
    else:
        chosen = _mes(election, completion, rules, fits)
        label = (f"equal shares{' across territories' if election.kind == TERRITORIES else ''}"
                 f", completion {completion}")
    values = rules.values
    if rules.total is not None:
        values[rules.total] = float(np.sum(model.award @ values))
    broken = unmet(model, values)
    funded = len(chosen)
    message = (f"{label}: {funded} projects funded"
               + (f"; rules left unmet: {'; '.join(broken[:8])}" if broken else ""))
    status = Status.INFEASIBLE if broken else Status.FEASIBLE
    return model, Solution(status=status, objective=float(model.c @ values + model.offset),
                           bound=None, gap=None, values=values, build_seconds=build,
                           solve_seconds=time.perf_counter() - t1, backend=rule,
                           solver=label, version=__version__, message=message)


def _mes(election: Election, completion: str, rules: Rules,
         fits: Callable[[int], bool] | None) -> list[int]:
    # the voters share what the projects locked in leave
    share = (election.budget - sum((election.costs[j] for j in election.locked), Fraction(0))
             ) / max(election.n_voters, 1)
    rules.reset()
    chosen = method_of_equal_shares(election, share, fits, rules.add)
    if completion in ("add1", "add1-greedy"):
        step = 0
        while not exhaustive(election, chosen, fits):
            step += 1
            rules.reset()
            more = method_of_equal_shares(election, share + step, fits, rules.add)
            if sum((election.costs[j] for j in more), Fraction(0)) > election.budget:
                break  # overspends: the previous outcome stands
            chosen = more
        rules.reset()
        for j in chosen:
            rules.add(j)
    if completion in ("greedy", "add1-greedy"):
        chosen = utilitarian_completion(election, chosen, fits, rules.add)
    return chosen


def territory_electorate(problem: Problem, scores: np.ndarray, basis: str
                         ) -> tuple[Ballots, list[Fraction]]:
    """Territories as the voters of a workbook: each supports its own projects (those the
    scenario scores above 0), valued at their score, and holds a share of the envelope in
    proportion to its ``basis`` (industrial jobs or population; equal shares where no
    territory has one)."""
    p = problem.projects
    places = list(dict.fromkeys(p["territory_id"]))
    row = {t: k for k, t in enumerate(places)}
    valued = np.flatnonzero(np.asarray(scores) > 0)
    points = sp.csr_array((np.ones(len(valued), np.int64),
                           ([row[t] for t in p["territory_id"].iloc[valued]], valued)),
                          shape=(len(places), len(p)))
    known = problem.territories.drop_duplicates("territory_id").set_index("territory_id")
    size = (known[basis].reindex(places).to_numpy(float) if basis in known
            else np.full(len(places), np.nan))
    size = np.where(np.isfinite(size) & (size > 0), size, 0.0)
    if not size.any():
        size = np.ones(len(places))
    sizes = [_exact(v) for v in size]
    total = sum(sizes, Fraction(0))
    weights = [len(places) * v / total for v in sizes]
    return Ballots(TERRITORIES, np.asarray(places, str), points), weights


def _exact(value: float) -> Fraction:
    """A cost or budget as the decimal it was written as (floats of decimals read back)."""
    return Fraction(repr(float(value)))
