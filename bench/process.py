"""Measure one command as a whole process: wall time and peak RSS, under a memory guard.

What users feel is the whole process, imports and teardown included, so each measurement is its
own child process under GNU time (`/usr/bin/time -v`, Debian's `time` package), whose "Maximum
resident set size" is the peak RSS. A run that would exhaust the machine (a pandas frame of 25M
rows) must fail alone rather than make the kernel kill its neighbours: a watchdog kills the
child's process group once its resident memory passes the guard, and `prlimit --as` is a hard
backstop for an allocation faster than the watchdog polls.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"
POLL_SECONDS = 0.2
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# The address-space backstop sits well above the guard: Python, DuckDB and Arrow reserve far
# more virtual memory than they touch.
ADDRESS_SPACE_MARGIN_BYTES = 8 << 30
GIB = 1 << 30


@dataclass(frozen=True)
class Measurement:
    """One process: how long it took, its peak RSS, and how it ended."""

    wall_seconds: float
    cpu_seconds: float  # user + system: less swayed than wall time by other load on the machine
    peak_rss_bytes: int
    exit_code: int
    stopped_by: str  # "" when it ended by itself, else "memory guard" or "timeout"
    error_tail: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.stopped_by

    def as_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok}


def group_rss_bytes(group: int) -> int:
    """Resident memory of every process in a process group, from /proc."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            # Fields after the command name (which may hold spaces) start at the last ')'.
            if int(stat[stat.rindex(")") + 2 :].split()[2]) != group:
                continue
            total += int(Path(entry.path, "statm").read_text().split()[1]) * PAGE_BYTES
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total


def cpu_seconds_from(report: str) -> float:
    """User plus system CPU seconds from GNU time's report; 0 if the child died before it."""
    found = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report)
    return sum(float(seconds) for seconds in found)


def peak_rss_from(report: str) -> int:
    """GNU time's peak RSS (reported in KiB) in bytes; 0 if the child died before reporting."""
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    return int(found.group(1)) * 1024 if found else 0


def measure(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    guard_bytes: int = 14 * GIB,
    timeout_seconds: float = 3 * 3600,
) -> Measurement:
    """Run `command` to completion in its own process group and measure it."""
    with tempfile.TemporaryDirectory(prefix="workplan-bench-") as scratch:
        report_path = Path(scratch) / "time.txt"
        log_path = Path(scratch) / "output.txt"
        limit = f"--as={guard_bytes + ADDRESS_SPACE_MARGIN_BYTES}"
        wrapped = ["prlimit", limit, "--", GNU_TIME, "-v", "-o", str(report_path), *command]
        stopped_by, watched_peak = "", 0
        with open(log_path, "wb") as log:
            started = time.monotonic()
            child = subprocess.Popen(  # noqa: S603 - fixed argv built by the benchmark itself
                wrapped,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            while child.poll() is None:
                watched_peak = max(watched_peak, group_rss_bytes(child.pid))
                if watched_peak > guard_bytes:
                    stopped_by = "memory guard"
                elif time.monotonic() - started > timeout_seconds:
                    stopped_by = "timeout"
                if stopped_by:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
                    break
                time.sleep(POLL_SECONDS)
            wall = time.monotonic() - started
        report = report_path.read_text() if report_path.exists() else ""
        output = log_path.read_text(errors="replace")
    return Measurement(
        wall_seconds=wall,
        cpu_seconds=cpu_seconds_from(report),
        # GNU time is killed with its child by the guard: then the watchdog's peak is all we have.
        peak_rss_bytes=max(peak_rss_from(report), watched_peak),
        exit_code=child.returncode,
        stopped_by=stopped_by,
        error_tail="" if child.returncode == 0 else output[-2000:],
    )
