"""Process mode: ``python -m emulators.osmo --port N`` (run from tests/).

Prints one JSON line with the URL once it listens, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys

from ..process import serve_until_stopped, tls_context
from .server import OsmoEmulator
from .state import Timing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.osmo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--token", action="append", default=[], metavar="TOKEN[=USER]",
                        help="accepted bearer token (repeatable); default emulator-token=ansible")
    parser.add_argument("--access-token", action="append", default=[], metavar="TOKEN[=USER]",
                        help="OSMO access token that POST /api/auth/jwt/access_token exchanges for a JWT")
    parser.add_argument("--pool", action="append", default=[], help="pool name (repeatable); default: default")
    parser.add_argument("--profile-pool", default=None, help="the pool GET /api/workflow uses without pool filters")
    parser.add_argument("--queue-seconds", type=float, default=Timing.queue_seconds)
    parser.add_argument("--run-seconds", type=float, default=Timing.run_seconds)
    parser.add_argument("--sleep-scale", type=float, default=Timing.sleep_scale)
    parser.add_argument("--jwt-lifetime", type=float, default=300)
    parser.add_argument("--cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--key", help="PEM private key for --cert")
    args = parser.parse_args(argv)

    def pairs(values, default):
        result = {}
        for item in values or default:
            token, unused_sep, user = item.partition("=")
            result[token] = user or "ansible"
        return result

    context = tls_context(args.cert, args.key)
    emulator = OsmoEmulator(
        host=args.host, port=args.port, tokens=pairs(args.token, ["emulator-token=ansible"]),
        access_tokens=pairs(args.access_token, []), pools=args.pool or ["default"], profile_pool=args.profile_pool,
        timing=Timing(args.queue_seconds, args.run_seconds, args.sleep_scale), ssl_context=context,
        jwt_lifetime=args.jwt_lifetime,
    )
    return serve_until_stopped(emulator, {"url": emulator.url, "port": emulator.port})


if __name__ == "__main__":
    sys.exit(main())
