"""Alerts name the responsible department, land in ledger.alerts, and reach the configured
webhook once each, not on every run, delivered after the run and outside it: a webhook that
hangs or trickles delays alerts, never data. The webhooks are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest

from pipelines.reports import alerts
from pipelines.resources import Alerting, Warehouse
from pipelines.sensors import deliver_alerts
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
    assert received == []  # the run raised its alerts and posted nothing itself
    assert alerts.deliver(settings.warehouse, url).sent > 0
    first = list(received)
    run_refresh(settings)
    assert alerts.deliver(settings.warehouse, url) == alerts.Round(0, 0, 0)

    kinds = sorted((a["kind"], a["feed"], a["department"]) for a in first)
    rejected = [a for a in first if a["kind"] == "rejected_file"]
    assert len(rejected) == 1
    assert rejected[0]["department"] == "culture_tourism"
    assert "bad.csv" in rejected[0]["message_en"]
    # The department by its Chinese name, as a clerk or leader reads it.
    assert rejected[0]["message_zh"].startswith("退回：文化广电和旅游局报送的“bad.csv”。")
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


def bad_tourism_file(settings) -> None:
    """A January tourism file of negative revenue: rejected, so it raises an alert."""
    drop_csv(
        settings,
        "tourism_revenue",
        "culture_tourism",
        "bad.csv",
        [dict(period="2024-01", area=f"景区{i}", revenue_wan=-5) for i in range(3)],
    )


class Trickler(BaseHTTPRequestHandler):
    """Accepts the alert, then answers one byte every second and never finishes; while it holds
    the request it checks that the warehouse's write lock is free."""

    warehouse = None
    lock_free: list[bool] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.rfile.read(int(self.headers["Content-Length"]))
        try:
            duckdb.connect(str(Trickler.warehouse)).close()
            Trickler.lock_free.append(True)
        except duckdb.IOException:
            Trickler.lock_free.append(False)
        try:
            for _ in range(60):  # bounded: a minute at most, far past the attempt's deadline
                self.wfile.write(b"H")
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            return  # the client gave up, as it should

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def trickling_webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Trickler.lock_free = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_a_trickling_webhook_delays_alerts_never_data(tmp_path, trickling_webhook):
    settings = settings_for(tmp_path, as_of_date="2024-02-20", alert_webhook=trickling_webhook)
    Trickler.warehouse = settings.warehouse
    bad_tourism_file(settings)

    assert run_refresh(settings).success  # the run does not wait on the webhook at all
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (raised,) = con.execute("select count(*) from ledger.alerts").fetchone()
    # One rejected file and eleven overdue Januaries (see the test above).
    assert raised == 12

    outcome = alerts.deliver(
        settings.warehouse, trickling_webhook, round_seconds=1.5, attempt_seconds=1
    )
    # Each attempt is cut at its 1 s deadline, however many bytes trickle in; after 1.5 s no
    # new attempt starts, so one or two alerts were tried and the rest wait.
    assert outcome.sent == 0 and outcome.failed in (1, 2)
    assert outcome.failed + outcome.waiting == 12
    assert Trickler.lock_free and all(Trickler.lock_free)  # nothing held while posting

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tried = con.execute(
            "select attempts, delivery_error, sent_at, "
            "date_diff('second', last_attempt_at, next_attempt_at) "
            "from ledger.alerts where attempts > 0"
        ).fetchall()
    assert len(tried) == outcome.failed
    # First failure: tried again after BACKOFF_SECONDS (60 s), not on the next round.
    assert all(row == (1, "no complete answer within 1 s", None, 60) for row in tried)
    again = alerts.deliver(settings.warehouse, trickling_webhook, 1.5, 1)
    assert again.sent == 0 and again.failed in (1, 2)  # only alerts never tried were due


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first request, 204 to the rest."""

    answers: list[int] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(503 if not Flaky.answers else 204)
        Flaky.answers.append(503 if not Flaky.answers else 204)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


def test_a_failed_alert_is_retried_after_its_back_off_and_given_up_after_the_last(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    Flaky.answers = []
    try:
        # Judged in January: nothing is overdue yet, so the rejected file is the only alert.
        settings = settings_for(tmp_path, as_of_date="2024-01-05", alert_webhook=url)
        bad_tourism_file(settings)
        run_refresh(settings)
        assert alerts.deliver(settings.warehouse, url) == alerts.Round(0, 1, 0)
        assert alerts.deliver(settings.warehouse, url) == alerts.Round(0, 0, 1)  # backing off
        with duckdb.connect(str(settings.warehouse)) as con:
            # As if the minute of back-off had passed.
            con.execute("update ledger.alerts set next_attempt_at = now() - interval 1 second")
        assert alerts.deliver(settings.warehouse, url) == alerts.Round(1, 0, 0)
        with duckdb.connect(str(settings.warehouse)) as con:
            sent = con.execute(
                "select attempts, delivery_error, sent_at is not null from ledger.alerts"
            ).fetchall()
            assert sent == [(2, None, True)]
            # An alert that has used up its attempts is not tried again.
            con.execute(
                "update ledger.alerts set sent_at = null, next_attempt_at = null, attempts = ?",
                [alerts.MAX_ATTEMPTS],
            )
        assert alerts.deliver(settings.warehouse, url) == alerts.Round(0, 0, 0)
        assert Flaky.answers == [503, 204]
    finally:
        server.shutdown()
        server.server_close()


def test_the_delivery_sensor_posts_pending_alerts_without_a_run(tmp_path, webhook):
    url, received = webhook
    settings = settings_for(tmp_path, as_of_date="2024-01-05", alert_webhook=url)
    bad_tourism_file(settings)
    run_refresh(settings)
    resources = {
        "warehouse": Warehouse.from_settings(settings),
        "alerting": Alerting(webhook_url=url),
    }
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(), resources=resources
    ) as context:
        result = deliver_alerts(context)
    assert result.skip_message == "alerts: 1 sent, 0 failed, 0 waiting"
    assert [(a["kind"], a["subject"]) for a in received] == [("rejected_file", "bad.csv")]
    assert dt.datetime.fromisoformat(received[0]["raised_at"]).tzinfo is not None
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        resources={**resources, "alerting": Alerting(webhook_url="")},
    ) as context:
        assert "no webhook configured" in deliver_alerts(context).skip_message
