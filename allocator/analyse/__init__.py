"""Analyse: a solution back into frames (the allocation and its summaries), and what makes it
defensible: reasons, shadow prices, infeasibility diagnosis, budget curve, frontier,
uncertainty, scenario comparison and sweeps."""
