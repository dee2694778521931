import sys
from pathlib import Path

import pytest

from allocator import api

sys.path.insert(0, str(Path(__file__).parent))  # tests' own helpers (verify.py, corpus.py)
sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks.instances: the data readers


@pytest.fixture(scope="session")
def balanced():
    """The bundled workbook's balanced scenario solved, 3 near misses priced (one solve for
    every test file that reads its outputs)."""
    problem = api.load(Path(__file__).resolve().parents[1] / "scenarios"
                       / "territoires-industrie.xlsx")
    return api.optimise(problem, problem.scenario("balanced"), near_misses=3)
