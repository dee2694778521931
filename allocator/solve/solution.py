"""What a solve gives back to the rest of the flow."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from allocator.core.format import percent
from allocator.core.status import Status


@dataclass(frozen=True)
class Solution:
    """The outcome of a solve: status, objective, bound, gap, values of the model's columns
    (``values`` and ``objective`` are None together, without an allocation)."""
    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    values: np.ndarray | None
    build_seconds: float
    solve_seconds: float
    backend: str
    solver: str
    version: str
    message: str = ""
    log: str = ""
    levels: tuple[dict, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and self.values is not None

    @property
    def label(self) -> str:
        """Status as shown to users: ``optimal`` (proven: ``backends.is_proven``) or
        ``feasible, within 0.42%`` of the best bound."""
        if self.status == Status.FEASIBLE:
            return f"feasible, within {percent(self.gap)}" if self.gap is not None else \
                "feasible, gap unknown"
        return self.status
