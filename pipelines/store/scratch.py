"""Scratch space for reading a file: beside the warehouse, one folder per reading process.

Reading a national file writes gigabytes of scratch (a GB18030 file re-encoded to UTF-8, the rows
DuckDB read before they reach their raw file). In the system's temporary directory they landed
on a disk not sized for them (often memory), and a run killed while reading left them there for
good. Here they go to `<warehouse>.scratch/`, on the warehouse's own disk, each in a folder named
after the process that reads; each feed's receiving first removes the folders of processes that
are gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.store.warehouse import file_of, process_alive


def root(con: duckdb.DuckDBPyConnection) -> Path:
    """`<warehouse file>.scratch/` beside the open warehouse; for an in-memory one (tests, the
    file reader's own connection), a folder in the system's temporary directory."""
    path = file_of(con)
    if path is None:
        return Path(tempfile.gettempdir()) / "workplan-scratch"
    warehouse = path.resolve()
    return warehouse.with_name(warehouse.name + ".scratch")


def sweep(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Remove the warehouse's scratch folders whose process is gone; the folders removed.

    A folder's name starts with its process's id. A process id the system gave again to a
    new process keeps the old folder until that one ends too: nothing in use is removed."""
    removed = []
    for left in root(con).glob("*-*"):
        pid = left.name.split("-", 1)[0]
        if not pid.isdigit() or left.is_symlink() or not left.is_dir() or process_alive(int(pid)):
            continue
        shutil.rmtree(left, ignore_errors=True)
        removed.append(left)
    return removed


@contextmanager
def scratch_folder(con: duckdb.DuckDBPyConnection) -> Iterator[Path]:
    """A new scratch folder for this process, deleted when the reading is done."""
    folder = root(con)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-", dir=folder) as made:
        yield Path(made)
