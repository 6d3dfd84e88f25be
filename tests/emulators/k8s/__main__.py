"""Runs the emulator as a process: ``python -m emulators.k8s --port N --kubeconfig PATH`` (from tests/).

Prints one JSON line (url, kubeconfig path) when it is ready to serve, then serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from ..process import serve_until_stopped, tls_context
from .cluster import CONTROLLERS, Config
from .server import K8sEmulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.k8s", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", help="bearer token clients must send (default: random)")
    parser.add_argument("--kubeconfig", help="write a kubeconfig for this server here")
    parser.add_argument("--version", default="1.33", help="Kubernetes minor version to report (default 1.33)")
    parser.add_argument("--no-strict", action="store_true", help="do not schema-check built-in kinds")
    parser.add_argument("--crd-established-delay", type=float, default=0.3)
    parser.add_argument("--workload-ready-delay", type=float, default=0.2)
    parser.add_argument("--pod-duration", type=float, default=0.05)
    parser.add_argument("--pod-start-delay", type=float, default=0.0)
    parser.add_argument("--job-backoff", type=float, default=0.0)
    parser.add_argument("--ttl-scale", type=float, default=1.0)
    parser.add_argument("--controllers", default=",".join(CONTROLLERS),
                        help="comma-separated controllers to run (default: all of %(default)s)")
    args = parser.parse_args(argv)
    controllers = tuple(c for c in args.controllers.split(",") if c)
    unknown = set(controllers) - set(CONTROLLERS)
    if unknown:
        parser.error(f"unknown controllers: {', '.join(sorted(unknown))}")
    config = Config(version=args.version, strict=not args.no_strict,
                    crd_established_delay=args.crd_established_delay,
                    workload_ready_delay=args.workload_ready_delay, pod_duration=args.pod_duration,
                    pod_start_delay=args.pod_start_delay, job_backoff=args.job_backoff, ttl_scale=args.ttl_scale,
                    controllers=controllers)

    from support.tls import test_ca, write_server_files

    cert, key = write_server_files(tempfile.mkdtemp(prefix="k8s-emulator-"), args.host, "localhost")
    emulator = K8sEmulator(args.host, args.port, args.token, config, tls_context(cert, key),
                           test_ca().cert_pem.bytes())
    if args.kubeconfig:
        emulator.write_kubeconfig(args.kubeconfig)
    return serve_until_stopped(emulator, {"url": emulator.url, "kubeconfig": args.kubeconfig})


if __name__ == "__main__":
    sys.exit(main())
