"""Asset definitions by layer: reference, raw (per feed), staging, marts and the analysts' file."""
