"""The command line: commands listed, --help fast (no heavy imports), bad settings rejected early."""

from __future__ import annotations

import subprocess
import sys

import pytest

from robotics_training import cli


def test_every_command_is_listed(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("train", "evaluate", "export", "smoke-test", "report"):
        assert name in out


def test_help_imports_no_heavy_dependency():
    code = ("import sys; from robotics_training import cli; cli.build_parser(); "
            "heavy = [m for m in ('torch', 'mlflow', 'gymnasium', 'rsl_rl', 'skrl', 'azure.storage.blob') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("argv, message", [
    (["train", "--task", "HalfCheetah-v5", "--output-dir", "/tmp/x", "--framework", "sb3"], "--framework"),
    (["train", "--task", "HalfCheetah-v5", "--output-dir", "/tmp/x", "--checkpoint-mode", "resume"],
     "needs --checkpoint-uri"),
    (["train", "--task", "HalfCheetah-v5", "--output-dir", "/tmp/x", "--hidden-dims", "64,x"], "--hidden-dims"),
])
def test_bad_train_settings_exit_2_naming_the_option(argv, message, capsys):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.out + captured.err
