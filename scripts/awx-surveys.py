#!/usr/bin/env python
"""Writes the AWX surveys of playbooks/awx/vars/templates.yml into playbooks/awx/surveys/<key>.json.

The surveys are generated from the roles' argument specs (and the play variables the mapping file describes);
run this after changing either. ``--check`` writes nothing and exits 1 when a committed survey differs from the
generated one (tests/unit/awx/test_surveys.py does the same).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_generator():
    path = ROOT / "plugins" / "module_utils" / "awx_surveys.py"
    spec = importlib.util.spec_from_file_location("awx_surveys", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render(survey: dict) -> str:
    return json.dumps(survey, indent=2, sort_keys=True) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args(argv)
    surveys = load_generator()
    generated = surveys.generate(lambda rel: yaml.safe_load((ROOT / rel).read_text()),
                                 lambda rel: (ROOT / rel).read_text())
    directory = ROOT / surveys.SURVEY_DIR
    wanted = {f"{key}.json": render(survey) for key, survey in generated.items()}
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    drift = sorted(name for name in wanted if not (directory / name).is_file()
                   or (directory / name).read_text() != wanted[name])
    stale = sorted(present - set(wanted))
    if args.check:
        for name in drift + stale:
            print(f"{surveys.SURVEY_DIR}/{name} is out of date: run scripts/awx-surveys.py", file=sys.stderr)
        return 1 if drift or stale else 0
    directory.mkdir(parents=True, exist_ok=True)
    for name in drift:
        (directory / name).write_text(wanted[name])
        print(f"wrote {surveys.SURVEY_DIR}/{name}")
    for name in stale:
        (directory / name).unlink()
        print(f"removed {surveys.SURVEY_DIR}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
