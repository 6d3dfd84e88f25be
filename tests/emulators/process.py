"""What every emulator's process mode (``python -m emulators.<name>``) shares.

The process starts the emulator in its own thread, prints one JSON line once it serves (its URL and whatever a
client needs next), and stops cleanly on SIGTERM or SIGINT, so fixtures and benchmarks can read the line and
terminate the process.
"""

from __future__ import annotations

import json
import signal
import ssl
import threading


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """A server context from PEM files, or None (plain HTTP) when no certificate is given."""
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def serve_until_stopped(emulator, ready: dict) -> int:
    """Start ``emulator``, print ``ready`` as one JSON line, and stop the emulator on SIGTERM or SIGINT."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    emulator.start()
    print(json.dumps(ready), flush=True)
    stopping.wait()
    emulator.stop()
    return 0
