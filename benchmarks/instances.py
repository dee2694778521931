"""Readers of the public instances in ../shared/data/benchmarks (formats in its README).

Shared by the benchmarks and the tests, which find the folder beside the repository or
through ALLOCATOR_BENCHMARK_DATA.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def data_dir() -> Path:
    env = os.environ.get("ALLOCATOR_BENCHMARK_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared/data/benchmarks"


def read_orlib(path: Path) -> list[dict]:
    """Problems of an OR-Library mknap file: ``n m opt``, profits, m weight rows, capacities."""
    tokens = path.read_text().split()
    pos = 0

    def take(k):
        nonlocal pos
        out = np.array(tokens[pos:pos + k], dtype=float)
        pos += k
        return out

    problems = []
    for _ in range(int(take(1)[0])):
        n, m, opt = take(3)
        n, m = int(n), int(m)
        profit = take(n)
        weights = take(n * m).reshape(m, n)
        problems.append(dict(n=n, m=m, opt=opt, profit=profit, weights=weights,
                             capacity=take(m)))
    return problems


def read_knapsack(path: Path) -> dict:
    """A 0-1 knapsack: ``n``, one ``value weight`` line per item, the capacity last."""
    tokens = path.read_text().split()
    n = int(tokens[0])
    items = np.array(tokens[1:1 + 2 * n], dtype=float).reshape(n, 2)
    return dict(n=n, m=1, profit=items[:, 0], weights=items[:, 1][None, :],
                capacity=np.array([float(tokens[1 + 2 * n])]))
