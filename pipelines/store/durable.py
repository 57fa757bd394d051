"""Putting a finished file in place so that it survives a power loss once the ledger says so.

`os.replace` makes a file appear whole or not at all, but neither its bytes nor its new name are
on the disk until they are flushed: after a crash the ledger, which DuckDB does flush on commit,
could name an archive copy or a raw file that the file system lost. So the bytes are flushed
before the rename, and the folder that holds the name after it, before the caller commits.
"""

from __future__ import annotations

import os
from pathlib import Path


def replace_durably(partial: Path, final: Path) -> None:
    """Give the written file `partial` the name `final`, both flushed to disk."""
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
