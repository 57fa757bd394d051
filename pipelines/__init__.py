"""workplan: the Dagster code location that scores the 2024 work plan from department feeds."""
