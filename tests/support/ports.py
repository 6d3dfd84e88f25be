"""Free loopback ports for servers started by tests.

Ports come from below Linux's ephemeral range (32768-60999), so that no outgoing client connection can hold
the port a server is about to bind, and each pytest-xdist worker draws from its own slice, so that two workers
never pick the same port between its check and its bind. A port is handed out once per process.
"""

from __future__ import annotations

import os
import random
import socket

FIRST, LAST = 20000, 32000
_handed_out: set[int] = set()


def _slice() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    size = (LAST - FIRST) // max(count, 1)
    start = FIRST + index * size
    return range(start, start + size)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    ports = _slice()
    for _attempt in range(200):
        port = random.choice(ports)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port in %d-%d" % (ports.start, ports.stop - 1))
