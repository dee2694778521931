"""What each voter of a participatory-budgeting election gets from an allocation.

A voter *supports* a project their ballot names (approved, given points, or ranked). Measures:

- ``nothing``: share of voters none of whose supported projects is funded;
- ``mean_funded``: mean number of funded projects a voter supports;
- ``mean_cost_share``: mean, over voters with a non-empty ballot, of the share of the cost of
  the projects they support that is funded (cost satisfaction, 0–1, per voter);
- ``ejr_violations`` (approval ballots; None otherwise): projects witnessing a breach of
  Extended Justified Representation with cost utilities, for groups asking for a single
  project. Unfunded project p, cost c, supported by voters N_p: the members of N_p whose
  funded approved projects cost less than c are a group entitled to c (EJR, Peters, Pierczyński
  & Skowron 2021) when there are at least n × c / budget of them. Each project listed is a
  true breach of EJR; an empty list means no group asking for one project is short-changed
  (groups asking for several projects are not searched: that search is exponential).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from allocator.core.ballots import APPROVAL, Ballots


@dataclass(frozen=True)
class VoterMeasures:
    """See the module docstring. ``ejr_violations``: project ids (None: not checked)."""
    voters: int
    nothing: float
    mean_funded: float
    mean_cost_share: float
    ejr_violations: tuple[str, ...] | None

    def to_dict(self, flat: bool = False) -> dict:
        """By name; ``flat``: the violating ids as one comma-separated text (for a sheet)."""
        violated = None if self.ejr_violations is None else list(self.ejr_violations)
        return {"voters": self.voters, "share_with_nothing": self.nothing,
                "mean_funded_supported": self.mean_funded,
                "mean_cost_share": self.mean_cost_share,
                "ejr_single_project": None if self.ejr_violations is None
                else ("satisfied" if not self.ejr_violations else "violated"),
                "ejr_violated_by": ", ".join(violated or []) if flat else violated}


def voter_measures(ballots: Ballots, funded: np.ndarray, costs: np.ndarray,
                   project_ids, budget: float) -> VoterMeasures:
    """Measures of the allocation ``funded`` (bool per project) for these ballots."""
    supports = sp.csr_array(ballots.supports)
    funded = np.asarray(funded, bool)
    costs = np.asarray(costs, float)
    n = ballots.n_voters
    got = supports @ funded.astype(np.int64)
    asked = supports @ costs
    gained = supports @ np.where(funded, costs, 0.0)
    voted = asked > 0
    cost_share = float(np.mean(gained[voted] / asked[voted])) if voted.any() else 0.0
    violations = None
    if ballots.kind == APPROVAL:
        by_project = sp.csc_array(supports)
        short: list[str] = []
        for j in np.flatnonzero(~funded):
            members = by_project.indices[by_project.indptr[j]:by_project.indptr[j + 1]]
            # the group entitled to j: its supporters who got less than j's cost
            if len(members) and (np.count_nonzero(gained[members] < costs[j]) * budget
                                 >= n * costs[j]):
                short.append(str(project_ids[j]))
        violations = tuple(short)
    return VoterMeasures(voters=n, nothing=float(np.mean(got == 0)) if n else 0.0,
                         mean_funded=float(np.mean(got)) if n else 0.0,
                         mean_cost_share=cost_share, ejr_violations=violations)
