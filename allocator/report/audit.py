"""The model as a file an auditor can read and solve again (.mps or .lp, through PuLP)."""
from __future__ import annotations

from pathlib import Path

from allocator.backends.pulp import export
from allocator.formulate import Model
from allocator.report.files import atomic_output


def write_model(model: Model, path: str | Path, *, inputs: tuple = ()) -> None:
    """Write ``model`` as .mps (or .lp when the name ends so), atomically."""
    target = Path(path)
    with atomic_output(target, inputs=inputs) as tmp:
        # PuLP chooses the format by the name it is given
        named = tmp.with_suffix(target.suffix)
        export(model, str(named))
        named.replace(tmp)
