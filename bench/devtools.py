"""Headless Chromium driven through its DevTools protocol: open a page, see every request it
makes, read what it drew, take a screenshot.

Used by the offline Data Docs test (tests/test_data_docs.py), which must see each request a page
makes (Chromium's command line cannot say), and by the README's screenshots
(bench/screenshots.py), which must wait for Dagster's UI, a JavaScript application, to draw.
The protocol runs over a WebSocket on 127.0.0.1 (the `websockets` package Dagster's webserver
already brings).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

# Headless, quiet Chromium: no first-run pages, no background calls home (the scorecard's
# browser test uses the same flags).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
FLAGS = [*CHROMIUM_FLAGS, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]
# No name resolves: a request for anything beyond the machine fails instead of leaving it.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
START_SECONDS = 30.0


@dataclass
class Page:
    """One tab, attached through the browser's socket (the protocol's flat sessions)."""

    socket: ClientConnection
    session: str
    requests: list[str] = field(default_factory=list)
    _next_id: int = 1000

    def send(self, method: str, params: dict | None = None, timeout: float = 60.0) -> dict:
        """Call a protocol method and wait for its answer, noting every request on the way."""
        self._next_id += 1
        ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}, "sessionId": self.session}
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def wait_for(self, event: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("method") == event:
                return reply.get("params", {})

    def _receive(self, deadline: float) -> dict:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Chromium did not answer in time")
        reply = json.loads(self.socket.recv(timeout=left))
        if reply.get("method") == "Network.requestWillBeSent":
            self.requests.append(reply["params"]["request"]["url"])
        return reply

    def open(self, url: str, settle_ms: int = 0) -> None:
        """Load `url` and wait for its load event (plus `settle_ms` for scripts to draw)."""
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        if settle_ms:
            deadline = time.monotonic() + settle_ms / 1000
            while time.monotonic() < deadline:
                try:
                    self._receive(deadline)
                except TimeoutError:
                    break

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int, height: int) -> Path:
        """A PNG of the page's first `width` x `height` CSS pixels."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def chromium_page(chromium: str, offline: bool = True, width: int = 1400, height: int = 900):
    """A fresh headless Chromium (own profile, no network when `offline`) with one open tab that
    reports its requests; the browser is stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="workplan-chromium-") as profile:
        command = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            *([OFFLINE] if offline else []),
            "about:blank",
        ]
        browser = subprocess.Popen(  # noqa: S603 - Debian's chromium, on loopback only
            command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        try:
            endpoint = listening_endpoint(browser)
            with connect(endpoint, max_size=None, open_timeout=START_SECONDS) as socket:
                page = attach(socket)
                page.send("Network.enable")
                page.send("Page.enable")
                page.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                )
                yield page
        finally:
            browser.terminate()
            try:
                browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()


def listening_endpoint(browser: subprocess.Popen) -> str:
    """The browser's DevTools WebSocket address, from the line it prints when ready."""
    deadline = time.monotonic() + START_SECONDS
    assert browser.stderr is not None
    while time.monotonic() < deadline:
        line = browser.stderr.readline()
        if not line and browser.poll() is not None:
            break
        if found := LISTENING.search(line):
            return found.group(1)
    raise RuntimeError("Chromium did not open its DevTools port")


def attach(socket: ClientConnection) -> Page:
    """Attach to the browser's first tab with a flat session."""
    socket.send(json.dumps({"id": 1, "method": "Target.getTargets"}))
    while True:
        reply = json.loads(socket.recv(timeout=START_SECONDS))
        if reply.get("id") == 1:
            break
    target = next(t for t in reply["result"]["targetInfos"] if t["type"] == "page")
    socket.send(
        json.dumps(
            {
                "id": 2,
                "method": "Target.attachToTarget",
                "params": {"targetId": target["targetId"], "flatten": True},
            }
        )
    )
    while True:
        reply = json.loads(socket.recv(timeout=START_SECONDS))
        if reply.get("id") == 2:
            return Page(socket, reply["result"]["sessionId"])
