"""Voters' ballots of a participatory-budgeting election (the VOTES section of a ``.pb`` file)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

APPROVAL, CUMULATIVE, ORDINAL = "approval", "cumulative", "ordinal"


@dataclass(frozen=True, eq=False)
class Ballots:
    """One row per voter, one column per project (the problem's project positions).

    ``kind``: ``approval`` (``choose-1`` included), ``cumulative`` (``scoring`` included) or
        ``ordinal``.
    ``voters``: voter ids, in file order.
    ``points``: voters × projects sparse matrix (CSR, integers): 1 for an approved project;
        the points given (cumulative); the points of the project's rank under the file's
        scoring (ordinal). A project absent from a ballot is a structural zero.
    ``scoring``: how ordinal ranks became points, in words (empty otherwise).
    """
    kind: str
    voters: np.ndarray
    points: sp.csr_array
    scoring: str = ""

    @property
    def n_voters(self) -> int:
        return self.points.shape[0]

    @property
    def supports(self) -> sp.csr_array:
        """Voters × projects, 1 where the voter's ballot names the project."""
        return sp.csr_array((np.ones(self.points.nnz, np.int64), self.points.indices,
                             self.points.indptr), shape=self.points.shape)
