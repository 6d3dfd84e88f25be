"""Process mode: ``cd tests && python -m emulators.azureml --port 8443``.

Prints one JSON line when ready: ``{"url", "ca_bundle", "subscription_id", "resource_group", "workspace_name",
"compute", "token"}``; point modules at it with ``cloud: <url>``, ``ca_bundle: <ca_bundle>``,
``auth_source: access_token`` and ``access_token: <token>``. Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from emulators.azureml.server import AzuriteStorage, EmulatorServer
from emulators.azureml.state import JobRule, Workspace
from emulators.process import serve_until_stopped
from support import azurite
from support.tls import ca_bundle_path, server_context


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m emulators.azureml", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--subscription-id", default="00000000-0000-0000-0000-000000000000")
    parser.add_argument("--resource-group", default="rg-robotics")
    parser.add_argument("--workspace-name", default="mlw-robotics")
    parser.add_argument("--compute", default="k8s-robotics", help="name of the attached Kubernetes compute")
    parser.add_argument("--token", default="emulator-token", help="bearer token clients must send")
    parser.add_argument("--queued-seconds", type=float, default=1.0)
    parser.add_argument("--running-seconds", type=float, default=3.0)
    parser.add_argument("--fail-when-command-contains", action="append", default=[], metavar="TEXT",
                        help="jobs whose command contains TEXT end Failed (repeatable)")
    parser.add_argument("--azurite-endpoint", help="Azurite blob endpoint for code uploads, e.g. "
                                                   "http://127.0.0.1:10000/devstoreaccount1")
    parser.add_argument("--request-log", type=pathlib.Path, help="append every request as a JSON line to this file")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    storage = None
    if args.azurite_endpoint:
        storage = AzuriteStorage(args.azurite_endpoint, azurite.ACCOUNT, azurite.KEY)
    workspace = Workspace(subscription_id=args.subscription_id, resource_group=args.resource_group,
                          workspace_name=args.workspace_name, compute_name=args.compute, token=args.token,
                          queued_seconds=args.queued_seconds, running_seconds=args.running_seconds, storage=storage)
    for text in args.fail_when_command_contains:
        workspace.add_rule(JobRule(command_contains=text, outcome="Failed",
                                   error_message="Execution failed. User process exited with status code 1."))
    if args.request_log:
        log_file = args.request_log.open("a", encoding="utf-8")
        original = workspace.record

        def record(entry):
            original(entry)
            log_file.write(json.dumps(entry, default=str) + "\n")
            log_file.flush()

        workspace.record = record
    server = EmulatorServer(workspace, server_context(args.host, "localhost", "127.0.0.1"), host=args.host,
                            port=args.port, verbose=args.verbose)
    # The CA file lives in a temporary directory; keep a copy next to the request log when there is one.
    ca = ca_bundle_path()
    if args.request_log:
        copy = args.request_log.with_suffix(".ca.pem")
        copy.write_text(pathlib.Path(ca).read_text())
        ca = str(copy)
    return serve_until_stopped(server, {
        "url": server.url, "ca_bundle": ca, "subscription_id": workspace.subscription_id,
        "resource_group": workspace.resource_group, "workspace_name": workspace.workspace_name,
        "compute": workspace.compute_name, "token": workspace.token})


if __name__ == "__main__":
    sys.exit(main())
