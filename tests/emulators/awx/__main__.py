"""Process mode: ``python -m emulators.awx --port N`` (run from tests/).

Prints one JSON line with the URL once it listens, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys

from ..process import serve_until_stopped, tls_context
from .server import AwxEmulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.awx", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--token", action="append", default=[], help="accepted OAuth2 bearer token (repeatable); "
                        "default awx-emulator-token")
    parser.add_argument("--user", action="append", default=[], metavar="USER=PASSWORD",
                        help="basic-auth user (repeatable); default admin=password")
    parser.add_argument("--project-dir", help="what project updates check out (its playbooks become the project's)")
    parser.add_argument("--update-seconds", type=float, default=0.3, help="duration of a project update")
    parser.add_argument("--cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--key", help="PEM private key for --cert")
    args = parser.parse_args(argv)
    context = tls_context(args.cert, args.key)
    users = dict(item.partition("=")[::2] for item in args.user) or None
    emulator = AwxEmulator(host=args.host, port=args.port, tokens=args.token or ["awx-emulator-token"], users=users,
                           project_dir=args.project_dir, ssl_context=context, update_seconds=args.update_seconds)
    return serve_until_stopped(emulator, {"url": emulator.url, "port": emulator.port})


if __name__ == "__main__":
    sys.exit(main())
