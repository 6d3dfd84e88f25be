"""Run the ARM emulator as a process (from tests/): ``python -m emulators.arm --port N --cert C --key K``.

Prints one JSON line ``{"url": ..., "subscription_id": ..., "tenant_id": ...}`` once it listens, then serves
until SIGTERM/SIGINT. Drive it through the admin API (``/_admin/...``, see CONTRACT.md and admin.py).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..process import serve_until_stopped, tls_context
from .server import DEFAULT_SUBSCRIPTION, DEFAULT_TENANT, ArmEmulator
from .specs import default_specs_root
from .state import INSTANT_LATENCY


def parse_latency(values):
    table = {}
    for value in values or []:
        resource_type, _sep, seconds = value.rpartition("=")
        if not resource_type:
            raise argparse.ArgumentTypeError("--latency takes TYPE=SECONDS, got %r" % value)
        table[resource_type] = float(seconds)
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.arm", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--cert", help="server certificate chain (PEM); without --cert/--key the emulator speaks "
                                       "plain HTTP, which azure-core refuses for bearer tokens")
    parser.add_argument("--key", help="server private key (PEM)")
    parser.add_argument("--specs", default=default_specs_root(), help="arm-specs directory (api-versions, body schemas)")
    parser.add_argument("--subscription", action="append", help="subscription id to serve (repeatable)")
    parser.add_argument("--tenant", default=DEFAULT_TENANT)
    parser.add_argument("--latency-profile", choices=("instant", "scaled"),
                        help="instant: every long-running operation takes --latency-default; scaled: real durations "
                             "(AKS/PostgreSQL 10 min, Managed Redis 15 min, VPN gateway 30 min, others 1 min) / 100")
    parser.add_argument("--latency-default", type=float, default=None,
                        help="seconds for types without their own latency (default %s)" % INSTANT_LATENCY)
    parser.add_argument("--latency", action="append", metavar="TYPE=SECONDS",
                        help="latency of one resource type, e.g. Microsoft.ContainerService/managedClusters=6")
    parser.add_argument("--unregistered-provider", action="append", default=[],
                        help="namespace that starts NotRegistered (PUTs fail with MissingSubscriptionRegistration)")
    parser.add_argument("--allow-unknown-types", action="store_true",
                        help="accept resource types that are not in the specs (any date-shaped api-version)")
    parser.add_argument("--principal-replication-delay", type=float, default=0.0,
                        help="seconds before a new identity's principal is visible to role assignments")
    args = parser.parse_args(argv)

    emulator = ArmEmulator(
        host=args.host, port=args.port, ssl_context=tls_context(args.cert, args.key), specs_root=args.specs,
        subscriptions=tuple(args.subscription or (DEFAULT_SUBSCRIPTION,)), tenant_id=args.tenant,
        latency_default=INSTANT_LATENCY if args.latency_default is None else args.latency_default,
        latency_types=parse_latency(args.latency), latency_profile=args.latency_profile,
        unregistered_providers=args.unregistered_provider, allow_unknown_types=args.allow_unknown_types,
        principal_replication_delay=args.principal_replication_delay,
    )
    if args.latency_profile and args.latency_default is not None:
        emulator.set_latency(default=args.latency_default)
    emulator.bind()
    return serve_until_stopped(emulator, {"url": emulator.url, "subscription_id": emulator.subscription_id,
                                          "tenant_id": emulator.tenant_id, "pid": os.getpid()})


if __name__ == "__main__":
    sys.exit(main())
