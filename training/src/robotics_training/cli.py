"""Command-line entry point: ``robotics-training <command> [options]``.

Each command lives in ``robotics_training.commands.<name>`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (a callable
taking the parsed arguments and returning an exit code). Commands import their
heavy dependencies (torch, mlflow, azure) inside ``func``, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from robotics_training import __version__

# Order is the order shown in --help.
COMMANDS = [
    "train",
    "evaluate",
    "export",
    "smoke_test",
    "mirror",
    "report",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="robotics-training",
        description="Train, validate, export and mirror robot policies; the same code on a workstation, "
        "in OSMO workflows and in AzureML jobs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="command")
    for name in COMMANDS:
        importlib.import_module(f"robotics_training.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
