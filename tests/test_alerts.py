"""Alerts name the responsible department, land in ledger.alerts, and reach the configured
webhook once each, not on every run. The webhook is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest

from tests.helpers import drop_csv, run_refresh, settings_for


class Receiver(BaseHTTPRequestHandler):
    """Collects every JSON body posted to it."""

    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        length = int(self.headers["Content-Length"])
        Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    yield f"http://127.0.0.1:{server.server_port}/alerts", Receiver.received
    server.shutdown()
    server.server_close()


def test_rejected_file_and_overdue_feed_alert_once_each(tmp_path, webhook):
    url, received = webhook
    # Judged on 20 February 2024: nobody has sent January (due by the 10th or the 15th).
    settings = settings_for(tmp_path, as_of_date="2024-02-20", alert_webhook=url)
    drop_csv(
        settings,
        "tourism_revenue",
        "culture_tourism",
        "bad.csv",
        [dict(period="2024-01", area=f"景区{i}", revenue_wan=-5) for i in range(3)],
    )
    run_refresh(settings)
    first = list(received)
    run_refresh(settings)

    kinds = sorted((a["kind"], a["feed"], a["department"]) for a in first)
    rejected = [a for a in first if a["kind"] == "rejected_file"]
    assert len(rejected) == 1
    assert rejected[0]["department"] == "culture_tourism"
    assert "bad.csv" in rejected[0]["message_en"] and "退回" in rejected[0]["message_zh"]
    # Eleven monthly obligations each owe January; the annual one owes December, not yet due.
    assert [k for k in kinds if k[0] == "overdue_feed"] == sorted(
        ("overdue_feed", feed, dept)
        for feed, dept in [
            ("enterprise_registrations", "commerce"),
            ("enterprise_registrations", "market_regulation"),
            ("enterprise_registrations", "science_technology"),
            ("headline_statistics", "agriculture"),
            ("headline_statistics", "finance"),
            ("headline_statistics", "human_resources"),
            ("headline_statistics", "statistics"),
            ("projects", "development_reform"),
            ("projects", "investment"),
            ("school_places", "education"),
            ("tourism_revenue", "culture_tourism"),
        ]
    )
    assert len(received) == len(first)  # the second run delivered nothing again
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        unsent = con.execute("select count(*) from ledger.alerts where sent_at is null").fetchone()
    assert unsent == (0,)


def test_without_a_webhook_alerts_are_recorded_and_nothing_is_sent(tmp_path):
    settings = settings_for(tmp_path, as_of_date="2024-02-20")
    drop_csv(
        settings,
        "school_places",
        "investment",
        "wrong-folder.csv",
        [dict(period="2024-01", school_project="一小", stage="小学", places=300)],
    )
    run_refresh(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select kind, department, sent_at from ledger.alerts where kind = 'rejected_file'"
        ).fetchall()
    assert rows == [("rejected_file", "investment", None)]
