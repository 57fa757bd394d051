"""workplan: the Dagster code location that scores the annual work plans from department feeds."""
