"""What every step shares: the problem, the scenario and its precedence, the input schema,
the rule families, statuses, findings about the input, and how figures are written."""
