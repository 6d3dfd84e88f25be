"""Real headless Chromium for tests, driven over the Chrome DevTools protocol (websocket-client).

The browser is the system's (Debian's ``chromium``; ``CHROMIUM`` overrides the path), started in its own
process group with a throw-away profile and stopped by its id. ``open`` waits until a JavaScript condition
holds on the page, so single-page apps such as the MLflow UI are checked once they have rendered.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class BrowserError(RuntimeError):
    pass


class Chromium:
    def __init__(self, binary: str = CHROMIUM, width: int = 1400, height: int = 1000) -> None:
        import websocket

        self.profile = tempfile.mkdtemp(prefix="chromium-test-")
        args = [binary, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-dev-shm-usage", "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}", "--allow-file-access-from-files", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.log = pathlib.Path(self.profile) / "chromium.log"
        with open(self.log, "wb") as handle:
            self.process = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        port = self._devtools_port(timeout=60)
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next((t for t in targets if t.get("type") == "page"), None)
        if page is None:
            self.close()
            raise BrowserError(f"Chromium has no page target: {targets}")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self._ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _devtools_port(self, timeout: float) -> int:
        marker = pathlib.Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"Chromium exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            if marker.is_file() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.1)
        self.close()
        raise BrowserError(f"Chromium did not open its DevTools port within {timeout} s")

    def send(self, method: str, **params):
        """One DevTools command; events that arrive before its answer are dropped."""
        call_id = next(self._ids)
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}...: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def open(self, url: str, ready: str = "document.readyState === 'complete'", timeout: float = 60):
        """Navigates to ``url`` and waits until the JavaScript expression ``ready`` is true."""
        self.send("Page.navigate", url=url)
        self.wait_until(ready, timeout, what=url)

    def wait_until(self, ready: str, timeout: float = 60, what: str = "the page"):
        """Polls the JavaScript expression ``ready`` until it is true (after clicks, client-side routing)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(BrowserError):  # the page may be between documents
                if self.evaluate(f"document.readyState === 'complete' && !!({ready})"):
                    return
            time.sleep(0.25)
        raise BrowserError(f"{what}: not ready within {timeout} s ({ready}); page text: "
                           f"{(self.evaluate('document.body && document.body.innerText') or '')[:1500]}")

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def screenshot(self, path: str | os.PathLike) -> pathlib.Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._ws.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    browser = Chromium()
    yield browser
    browser.close()
