"""Options of the workstation modules seen from outside: local_service chdir, health_status and stop_timeout, and
streamed_command chdir.

local_service runs in-process (its main(), as Ansible would call it) and starts a small HTTP service written here;
what the service reports (the directory it runs in, its PID) and how long a stop takes are observed directly.
streamed_command is an action plugin, so it runs through ansible-playbook.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time

import pytest
import yaml

from support.modules import run_module
from support.playbook import run_playbook
from support.ports import free_port

# A service that answers every GET with the status it is given, records where it runs, and (on request) ignores
# SIGTERM so that only SIGKILL stops it. Relative paths: they land in its working directory.
SERVICE = textwrap.dedent("""\
    import http.server, os, signal, sys
    port, status, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open("started-in.txt", "w") as handle:
        handle.write(os.getcwd())
    with open("service.pid", "w") as handle:
        handle.write(str(os.getpid()))
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """)


def alive(pid):
    from ansible_collections.azure_robotics.stack.plugins.module_utils.local_service import pid_alive

    return pid_alive(pid)


class Services:
    """Starts services through the module and kills, by PID, whatever a test left running."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.data_dir = tmp_path / "data"
        self.pids = set()

    def workdir(self, name):
        path = self.tmp_path / name
        path.mkdir(exist_ok=True)
        (path / "service.py").write_text(SERVICE)
        return path

    def args(self, name, port, status=200, mode="normal", script="service.py", **extra):
        args = dict(name=name, data_dir=str(self.data_dir), port=port, health_url=f"http://127.0.0.1:{port}/health",
                    command=[sys.executable, script, str(port), str(status), mode], start_timeout=15)
        args.update(extra)
        return args

    def run(self, args, check_mode=False):
        result = run_module("local_service", args, check_mode=check_mode)
        if result.get("pid"):
            self.pids.add(result["pid"])
        return result

    def cleanup(self):
        for pid in self.pids:
            if alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


@pytest.fixture
def services(tmp_path):
    svc = Services(tmp_path)
    yield svc
    svc.cleanup()


def cwd_of(pid):
    return os.readlink(f"/proc/{pid}/cwd")


# -- local_service chdir ---------------------------------------------------------------------------------------------
def test_chdir_is_the_services_working_directory_and_a_change_restarts_it(services):
    first, second = services.workdir("work"), services.workdir("work2")
    port = free_port()
    args = services.args("svc", port, chdir=str(first))  # "service.py" is relative: found through chdir

    started = services.run(args)
    assert not started["failed"], started
    assert started["changed"] is True and alive(started["pid"])
    assert cwd_of(started["pid"]) == str(first)
    assert (first / "started-in.txt").read_text() == str(first)
    assert not (services.data_dir / "started-in.txt").exists()
    assert services.run(args)["changed"] is False

    moved = dict(args, chdir=str(second))
    checked = services.run(moved, check_mode=True)
    assert checked["changed"] is True and checked["pid"] == started["pid"]
    assert alive(started["pid"]) and not (second / "started-in.txt").exists()  # check mode restarts nothing

    restarted = services.run(moved)
    assert restarted["changed"] is True and restarted["pid"] != started["pid"]
    assert not alive(started["pid"])
    assert cwd_of(restarted["pid"]) == str(second)
    assert services.run(moved)["changed"] is False


def test_without_chdir_the_service_runs_in_data_dir(services):
    work = services.workdir("work")
    port = free_port()
    result = services.run(services.args("svc", port, script=str(work / "service.py")))
    assert not result["failed"], result
    assert cwd_of(result["pid"]) == str(services.data_dir)
    assert (services.data_dir / "started-in.txt").read_text() == str(services.data_dir)


def test_a_chdir_that_is_not_a_directory_fails_before_anything_is_stopped_or_started(services):
    work = services.workdir("work")
    missing = services.tmp_path / "missing"
    port = free_port()
    running = services.run(services.args("svc", port, chdir=str(work)))
    assert not running["failed"], running

    for chdir in (missing, work / "service.py"):
        for check_mode in (True, False):
            result = services.run(services.args("svc", port, chdir=str(chdir)), check_mode=check_mode)
            assert result["failed"] is True
            assert result["msg"] == f"chdir={chdir} does not exist or is not a directory"
            assert alive(running["pid"]), "the running service must be left alone"
    assert services.run(services.args("svc", port, chdir=str(work)))["changed"] is False

    fresh = services.run(services.args("fresh", free_port(), chdir=str(missing)))
    assert fresh["failed"] is True and fresh["msg"] == f"chdir={missing} does not exist or is not a directory"
    assert not (services.data_dir / "fresh.pid").exists() and not (services.data_dir / "fresh.log").exists()


# -- local_service health_status -------------------------------------------------------------------------------------
def test_health_status_lists_the_statuses_that_count_as_healthy(services):
    work = services.workdir("work")
    port = free_port()
    forbidden = services.args("svc", port, status=403, chdir=str(work), start_timeout=1, stop_timeout=5)

    refused = services.run(forbidden)  # 403 is not healthy by default (health_status: [200])
    assert refused["failed"] is True
    assert f"did not become healthy at http://127.0.0.1:{port}/health within 1s" in refused["msg"]
    pid = int((work / "service.pid").read_text())
    assert not alive(pid), "a service that never became healthy is stopped again"

    accepted = services.run(dict(forbidden, health_status=[200, 403]))  # like Azurite's anonymous answer
    assert not accepted["failed"], accepted
    assert accepted["changed"] is True
    assert services.run(dict(forbidden, health_status=[200, 403]))["changed"] is False

    # The same running service checked against [200] is unhealthy: check mode reports a restart, does none.
    checked = services.run(forbidden, check_mode=True)
    assert checked["changed"] is True and checked["diff"]["before"]["state"] == "unhealthy"
    assert checked["pid"] == accepted["pid"] and alive(accepted["pid"])


def test_a_redirect_status_can_be_listed_because_redirects_are_not_followed(services):
    work = services.workdir("work")
    port = free_port()
    result = services.run(services.args("svc", port, status=302, chdir=str(work), health_status=[302]))
    assert not result["failed"], result
    assert result["changed"] is True and alive(result["pid"])


@pytest.mark.parametrize("extra, message", [
    (dict(health_status=[]), "health_status must list HTTP statuses between 100 and 599, got []"),
    (dict(health_status=[200, 0]), "health_status must list HTTP statuses between 100 and 599, got [200, 0]"),
    (dict(health_status=[600]), "health_status must list HTTP statuses between 100 and 599, got [600]"),
    (dict(health_status=["ok"]), "health_status"),
    (dict(stop_timeout=-1), "stop_timeout must be >= 0 seconds, got -1"),
])
def test_bad_health_status_or_stop_timeout_fail_before_anything_starts(services, extra, message):
    work = services.workdir("work")
    result = services.run(services.args("svc", free_port(), chdir=str(work), **extra))
    assert result["failed"] is True
    assert message in result["msg"]
    assert not (work / "started-in.txt").exists() and not services.data_dir.exists()


# -- local_service stop_timeout --------------------------------------------------------------------------------------
def timed(services, args, check_mode=False):
    start = time.monotonic()
    result = services.run(args, check_mode=check_mode)
    return result, time.monotonic() - start


def test_stop_timeout_is_the_wait_between_sigterm_and_sigkill(services):
    work = services.workdir("work")
    port = free_port()
    stubborn = services.args("stubborn", port, mode="ignore-term", chdir=str(work))
    started = services.run(stubborn)
    assert not started["failed"], started
    pid = started["pid"]
    stop = dict(name="stubborn", data_dir=str(services.data_dir), state="stopped", stop_timeout=2)

    checked, seconds = timed(services, stop, check_mode=True)
    assert checked["changed"] is True and alive(pid) and seconds < 1

    stopped, seconds = timed(services, stop)
    assert stopped["changed"] is True and stopped["state"] == "stopped"
    assert 2 <= seconds < 5, "SIGTERM is ignored: SIGKILL comes after stop_timeout"
    assert not alive(pid)
    assert not (services.data_dir / "stubborn.pid").exists()

    # A service that exits on SIGTERM is not waited for any longer than it takes.
    polite = services.run(services.args("polite", free_port(), chdir=str(work)))
    stopped, seconds = timed(services, dict(stop, name="polite", stop_timeout=30))
    assert stopped["changed"] is True and seconds < 5 and not alive(polite["pid"])


def test_stop_timeout_applies_to_a_restart(services):
    work = services.workdir("work")
    port = free_port()
    args = services.args("stubborn", port, mode="ignore-term", chdir=str(work), stop_timeout=1)
    first = services.run(args)
    assert not first["failed"], first
    restarted, seconds = timed(services, dict(args, environment={"RUN": "2"}))  # reconfigured: restarted
    assert not restarted["failed"], restarted
    assert restarted["changed"] is True and restarted["pid"] != first["pid"]
    assert not alive(first["pid"]) and 1 <= seconds < 5


def test_a_service_that_never_becomes_healthy_is_killed_after_stop_timeout(services):
    work = services.workdir("work")
    port = free_port()
    args = services.args("never", port, mode="ignore-term", chdir=str(work), health_status=[204], start_timeout=1,
                         stop_timeout=1)
    result, seconds = timed(services, args)
    assert result["failed"] is True and "did not become healthy" in result["msg"]
    pid = int((work / "service.pid").read_text())
    services.pids.add(pid)
    assert not alive(pid)
    assert seconds < 5, "the clean-up after a failed start waits stop_timeout, not a fixed 10 s"


# -- streamed_command chdir ------------------------------------------------------------------------------------------
CHILD = textwrap.dedent("""\
    import os
    print("running in " + os.getcwd(), flush=True)
    with open("out.txt", "w") as handle:
        handle.write("written here")
    """)


def write_play(path, tasks, results):
    """A play on localhost that runs ``tasks`` (each registers one variable) and writes them to ``results``."""
    names = [t["register"] for t in tasks]
    tasks = list(tasks) + [{
        "name": "Save the results", "check_mode": False, "ansible.builtin.copy": {
            "dest": str(results), "mode": "0600",
            "content": "{{ {%s} | to_json }}" % ", ".join(f"'{n}': {n}" for n in names)}}]
    path.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))


def play(tmp_path, tasks, check=False):
    playbook, results = tmp_path / "play.yml", tmp_path / "results.json"
    write_play(playbook, tasks, results)
    controller = tmp_path / "controller-cwd"
    controller.mkdir(exist_ok=True)
    run = run_playbook(str(playbook), "-i", "localhost,", "-c", "local", "-e",
                       f"ansible_python_interpreter={sys.executable}", check=check, cwd=controller)
    assert results.exists(), run
    return run, json.loads(results.read_text()), controller


def streamed(register, **options):
    return {"name": register, "register": register, "ignore_errors": True,
            "azure_robotics.stack.streamed_command": options}


def test_streamed_command_runs_in_chdir_and_resolves_a_relative_program_from_it(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "child.py").write_text(CHILD)
    (work / "tool.sh").write_text("#!/bin/sh\necho \"tool ran in $(pwd)\"\n")
    (work / "tool.sh").chmod(0o755)
    missing = tmp_path / "missing"
    run, results, controller = play(tmp_path, [
        streamed("in_work", argv=[sys.executable, "child.py"], chdir=str(work)),
        streamed("relative_program", argv=["./tool.sh"], chdir=str(work)),
        streamed("default_dir", argv=[sys.executable, str(work / "child.py")]),
        streamed("missing_dir", argv=[sys.executable, "child.py"], chdir=str(missing)),
        streamed("a_file", argv=[sys.executable, "child.py"], chdir=str(work / "tool.sh")),
    ])

    assert results["in_work"]["rc"] == 0 and results["in_work"]["stdout_lines"] == [f"running in {work}"]
    assert (work / "out.txt").read_text() == "written here"
    assert f"localhost | running in {work}" in run.stdout  # streamed while it ran
    assert results["relative_program"]["stdout_lines"] == [f"tool ran in {work}"]
    # Without chdir the command runs where ansible-playbook runs.
    assert results["default_dir"]["stdout_lines"] == [f"running in {controller}"]
    assert (controller / "out.txt").exists()
    for key, path in (("missing_dir", missing), ("a_file", work / "tool.sh")):
        assert results[key]["failed"] is True
        assert results[key]["msg"] == f"chdir={path} does not exist or is not a directory"
        assert "rc" not in results[key]  # nothing ran


def test_streamed_command_chdir_in_check_mode(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "child.py").write_text(CHILD)
    missing = tmp_path / "missing"
    run, results, controller = play(tmp_path, [
        streamed("checked", argv=[sys.executable, "child.py"], chdir=str(work)),
        streamed("checked_missing", argv=[sys.executable, "child.py"], chdir=str(missing)),
    ], check=True)
    assert results["checked"]["changed"] is True and "rc" not in results["checked"]
    assert not (work / "out.txt").exists(), "check mode runs nothing"
    assert results["checked_missing"]["failed"] is True
    assert results["checked_missing"]["msg"] == f"chdir={missing} does not exist or is not a directory"
