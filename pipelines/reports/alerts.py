"""Deliver alerts to a webhook the deployment configures (none by default: nothing phones out).

Runs raise alerts in `ledger.alerts`; delivery happens apart from them, after the data is
committed: the `deliver_alerts` sensor under the daemon, and `workplan refresh`/`ingest` once their
run has finished. A webhook that hangs, trickles or refuses may delay alerts, never data: nothing
is posted while the warehouse's write lock is held or inside a run (which would hold the one run
slot), each attempt has a total deadline (not a per-read timeout, which a server sending one byte
at a time never trips), a failed alert waits out a doubling back-off before its next attempt,
and after `MAX_ATTEMPTS` it is given up. Every attempt's outcome is written back to the alert's
row (attempts, last error, sent or given up).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from pipelines.store.warehouse import connect

# One attempt, connection to answer, may take this long in all.
ATTEMPT_SECONDS = 10.0
# A delivery round starts no attempt after this, so a sensor tick stays well inside Dagster's
# 60 s sensor timeout however many alerts are pending.
ROUND_SECONDS = 30.0
# A failed alert is tried again after 1, 2, 4, 8 … minutes, then given up.
BACKOFF_SECONDS = 60
MAX_ATTEMPTS = 8
# How long a delivery round waits for a run's write lock to read or record alerts.
LOCK_WAIT_SECONDS = 20.0


class DeliveryFailed(Exception):
    """One attempt that did not reach the webhook, with the reason an operator reads."""


@dataclass(frozen=True)
class Outcome:
    """What one attempt to deliver an alert came to."""

    alert_key: str
    attempted_at: dt.datetime
    error: str | None


@dataclass(frozen=True)
class Round:
    """What one delivery round did: alerts sent, attempts failed, alerts still waiting."""

    sent: int
    failed: int
    waiting: int

    def describe(self) -> str:
        return f"{self.sent} sent, {self.failed} failed, {self.waiting} waiting"


def check_url(webhook_url: str) -> None:
    if not webhook_url.startswith(("http://", "https://")):
        raise ValueError("the alert webhook must be an http(s) URL")


def post(webhook_url: str, body: bytes, deadline_seconds: float = ATTEMPT_SECONDS) -> None:
    """POST `body` and require a 2xx answer within `deadline_seconds` in all.

    A timer shuts the socket at the deadline, which ends whatever read or write is waiting on it:
    the socket timeout alone bounds each read, and a server trickling a byte at a time renews it.
    """
    check_url(webhook_url)
    url = urllib.parse.urlsplit(webhook_url)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = kind(url.hostname or "", url.port, timeout=deadline_seconds)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: the attempt is over either way
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(deadline_seconds, cut)
    timer.start()
    try:
        connection.request(
            "POST",
            (url.path or "/") + (f"?{url.query}" if url.query else ""),
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        if expired.is_set():
            raise DeliveryFailed(f"no complete answer within {deadline_seconds:g} s") from error
        raise DeliveryFailed(f"{type(error).__name__}: {error}"[:300]) from error
    finally:
        timer.cancel()
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryFailed(f"the webhook answered HTTP {status}")


def due(warehouse: Path, now: dt.datetime) -> tuple[list[dict], int]:
    """The alerts whose next attempt is due, oldest first, and how many wait for a later one."""
    with connect(warehouse, lock_wait_seconds=LOCK_WAIT_SECONDS) as con:
        cursor = con.execute(
            "select alert_key, kind, feed, department, subject, message_en, message_zh, "
            "raised_at, coalesce(next_attempt_at <= ?, true) as is_due from ledger.alerts "
            "where sent_at is null and coalesce(attempts, 0) < ? "
            "order by raised_at, alert_key",
            [now, MAX_ATTEMPTS],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    ready = [row for row in rows if row.pop("is_due")]
    return ready, len(rows) - len(ready)


def record(warehouse: Path, outcomes: list[Outcome]) -> None:
    """Write each attempt's outcome to its alert: sent, or the error and when to try again."""
    if not outcomes:
        return
    with connect(warehouse, lock_wait_seconds=LOCK_WAIT_SECONDS) as con:
        con.executemany(
            "update ledger.alerts set attempts = coalesce(attempts, 0) + 1, "
            "last_attempt_at = $at, "
            "sent_at = if($error is null, $at, null), delivery_error = $error, "
            "next_attempt_at = if($error is null, null, "
            "$at + to_seconds($backoff * pow(2, coalesce(attempts, 0))::bigint)) "
            "where alert_key = $key",
            [
                {
                    "at": o.attempted_at,
                    "error": o.error,
                    "backoff": BACKOFF_SECONDS,
                    "key": o.alert_key,
                }
                for o in outcomes
            ],
        )


def deliver(
    warehouse: Path,
    webhook_url: str,
    round_seconds: float = ROUND_SECONDS,
    attempt_seconds: float = ATTEMPT_SECONDS,
) -> Round:
    """Post the alerts that are due to `webhook_url`, holding no lock while posting.

    The warehouse is opened twice, briefly: to read what is due and to record what came of it.
    """
    if not webhook_url or not warehouse.exists():
        return Round(0, 0, 0)
    check_url(webhook_url)
    ready, waiting = due(warehouse, dt.datetime.now(dt.UTC))
    stop = time.monotonic() + round_seconds
    outcomes: list[Outcome] = []
    for alert in ready:
        if time.monotonic() > stop:
            waiting += 1
            continue
        alert["raised_at"] = alert["raised_at"].isoformat()
        body = json.dumps(alert, ensure_ascii=False).encode("utf-8")
        attempted_at = dt.datetime.now(dt.UTC)
        try:
            post(webhook_url, body, attempt_seconds)
            error = None
        except DeliveryFailed as failure:
            error = str(failure)
        outcomes.append(Outcome(alert["alert_key"], attempted_at, error))
    record(warehouse, outcomes)
    failed = sum(o.error is not None for o in outcomes)
    return Round(len(outcomes) - failed, failed, waiting)
