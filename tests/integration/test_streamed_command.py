"""azure_robotics.stack.streamed_command: output shown while the command runs, failures and timeouts."""

from __future__ import annotations

import sys
import textwrap

import yaml

from support.playbook import run_playbook

CHILD = textwrap.dedent("""
    import signal, sys, time
    def stop(*_):
        print("stopping cleanly", flush=True)
        sys.exit(3)
    signal.signal(signal.SIGTERM, stop)
    for i in range(int(sys.argv[1])):
        print(f"[train] iteration {i}", flush=True)
        print(f"noise {i}", flush=True)
        time.sleep(float(sys.argv[2]))
    sys.exit(int(sys.argv[3]))
""")


def playbook(tmp_path, *, lines, pause, status, **options):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    play = [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "Run the child", "register": "child", "azure_robotics.stack.streamed_command": {
                "argv": [sys.executable, str(script), str(lines), str(pause), str(status)],
                "stream_filter": r"^\[train\]", **options}},
            {"name": "Show what came back", "ansible.builtin.debug": {
                "msg": "rc={{ child.rc }} lines={{ child.stdout_lines | length }} timed_out={{ child.timed_out }}"}},
        ],
    }]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play))
    return run_playbook(str(path), "-i", "localhost,", "-c", "local",
                        "-e", f"ansible_python_interpreter={sys.executable}")


def test_matching_lines_are_shown_in_order_and_the_tail_is_returned(tmp_path):
    run = playbook(tmp_path, lines=4, pause=0.05, status=0, output_lines=3)
    assert run.rc == 0, run
    shown = [line for line in run.stdout.splitlines() if line.startswith("localhost | ")]
    assert shown == [f"localhost | [train] iteration {i}" for i in range(4)]
    assert "rc=0 lines=3 timed_out=False" in run.stdout
    assert run.changed == 1


def test_a_failing_command_fails_the_task_with_its_last_lines(tmp_path):
    run = playbook(tmp_path, lines=2, pause=0, status=5)
    assert run.rc != 0
    assert "exited with status 5" in run.stdout and "noise 1" in run.stdout


def test_a_command_over_its_timeout_gets_sigterm_first(tmp_path):
    run = playbook(tmp_path, lines=1000, pause=0.2, status=0, timeout=2, kill_grace=10)
    assert run.rc != 0
    assert "exceeded timeout=2s" in run.stdout
    assert "stopping cleanly" in run.stdout


def test_check_mode_runs_nothing(tmp_path):
    script_marker = tmp_path / "ran"
    path = tmp_path / "check.yml"
    path.write_text(textwrap.dedent(f"""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Would touch a file
              azure_robotics.stack.streamed_command:
                argv: [touch, "{script_marker}"]
        """))
    run = run_playbook(str(path), "-i", "localhost,", "-c", "local", "-e",
                       f"ansible_python_interpreter={sys.executable}", check=True)
    assert run.rc == 0 and run.changed == 1, run
    assert not script_marker.exists()
