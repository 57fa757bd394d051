"""The warehouse and the ledger: receiving files, typing their rows, recording what was decided."""
