"""Deliver alerts to a webhook the deployment configures (none by default: nothing phones out).

Each alert is raised once (its key) and delivered once: delivery marks it sent, and a failed
delivery is kept with its error and retried on the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import duckdb

TIMEOUT_SECONDS = 10


def deliver(con: duckdb.DuckDBPyConnection, webhook_url: str) -> int:
    """Post every undelivered alert as JSON to `webhook_url`; the number delivered."""
    if not webhook_url:
        return 0
    if not webhook_url.startswith(("http://", "https://")):
        raise ValueError("the alert webhook must be an http(s) URL")
    cursor = con.execute(
        "select alert_key, kind, feed, department, subject, message_en, message_zh, raised_at "
        "from ledger.alerts where sent_at is null order by raised_at, alert_key"
    )
    names = [d[0] for d in cursor.description]
    delivered = 0
    for row in cursor.fetchall():
        alert = dict(zip(names, row, strict=True))
        alert["raised_at"] = alert["raised_at"].isoformat()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            webhook_url,
            data=json.dumps(alert, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310
                pass
        except OSError as error:
            con.execute(
                "update ledger.alerts set delivery_error = ? where alert_key = ?",
                [str(error)[:500], alert["alert_key"]],
            )
            continue
        con.execute(
            "update ledger.alerts set sent_at = ?, delivery_error = null where alert_key = ?",
            [dt.datetime.now(dt.UTC), alert["alert_key"]],
        )
        delivered += 1
    return delivered
