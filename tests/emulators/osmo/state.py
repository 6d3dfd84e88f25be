"""Workflows, their groups and tasks, and the state machine that moves them through time.

State is computed lazily from the clock on every read: a group becomes ready when all upstream groups
COMPLETED, spends ``queue_seconds`` in SCHEDULING, then runs for ``run_seconds`` (plus any ``sleep N`` in
its tasks' commands, times ``sleep_scale``) and ends COMPLETED or FAILED by its lead's exit code; failures
propagate downstream as FAILED_UPSTREAM; cancel turns everything unfinished into FAILED_CANCELED; a group
running past the workflow's exec_timeout ends FAILED_EXEC_TIMEOUT.

Exit codes and log lines come from the task's command and args, read as a tiny shell: ``echo ...`` lines
become log lines (with $VARS from the task's environment and the run-time tokens substituted), ``exit N``
sets the exit code, ``sleep N`` adds run time (scripts the task writes with ``files`` and runs are read too), and
the marker OSMO_EMULATOR_FAIL anywhere fails the task
with exit code 1. Failure rules set through the admin API apply to matching task names.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import shlex
import threading
import time
import uuid

ALIVE = ("PENDING", "RUNNING", "WAITING")
FAIL_MARKER = "OSMO_EMULATOR_FAIL"
DATA = "/osmo/data"


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).replace(tzinfo=None).isoformat()


@dataclasses.dataclass
class Timing:
    queue_seconds: float = 0.2
    run_seconds: float = 0.5
    sleep_scale: float = 0.05


@dataclasses.dataclass
class Task:
    name: str
    lead: bool
    image: str
    script: str
    environment: dict
    inputs: list
    outputs: list
    exit_code: int = 0
    failure_message: str | None = None
    sleep: float = 0.0
    echo: list = dataclasses.field(default_factory=list)
    status: str = "WAITING"
    start_time: float | None = None
    end_time: float | None = None
    uuid: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)


@dataclasses.dataclass
class Group:
    name: str
    tasks: list
    upstream: set
    ignore_nonlead: bool = True
    status: str = "WAITING"
    start_time: float | None = None
    end_time: float | None = None
    failure_message: str | None = None


@dataclasses.dataclass
class Workflow:
    name: str
    base_name: str
    uuid: str
    user: str
    pool: str
    priority: str
    spec_text: str
    template_text: str | None
    groups: list
    submit_time: float
    exec_timeout: float | None
    queue_timeout: float | None
    labels: dict
    tags: list = dataclasses.field(default_factory=list)
    canceled_at: float | None = None
    cancelled_by: str | None = None
    status: str = "PENDING"
    start_time: float | None = None
    end_time: float | None = None


def interpret(command: list, args: list, environment: dict, files: dict | None = None) -> tuple:
    """(echo lines, exit code, seconds of sleep, failure message) of a command line.

    A script from the task's ``files`` that the command line names is read as well.
    """
    words = list(command) + list(args)
    for path, contents in (files or {}).items():
        if any(path in word for word in words):
            words.append(contents)
    text = "\n".join(words)
    echo, exit_code, sleep, failure = [], 0, 0.0, None
    statements = re.split(r"\s*(?:;|&&|\|\||\n)\s*", text)
    for statement in statements:
        try:
            parts = shlex.split(statement)
        except ValueError:
            parts = statement.split()
        if not parts:
            continue
        if parts[0] == "echo":
            echo.append(" ".join(parts[1:]))
        elif parts[0] == "exit" and len(parts) > 1 and parts[1].isdigit():
            exit_code = int(parts[1])
            break
        elif parts[0] == "sleep" and len(parts) > 1:
            try:
                sleep += float(parts[1])
            except ValueError:
                pass
    if FAIL_MARKER in text or any(FAIL_MARKER in str(v) for v in environment.values()):
        exit_code = exit_code or 1
        echo.append(f"{FAIL_MARKER}: emulated failure")
    if exit_code:
        failure = f"Task exited with exit code {exit_code}."
    return echo, exit_code, sleep, failure


class Store:
    def __init__(self, timing: Timing | None = None, clock=time.time):
        self.timing = timing or Timing()
        self.clock = clock
        self.lock = threading.RLock()
        self.workflows: dict[str, Workflow] = {}
        self.counters: dict[str, int] = {}
        self.failure_rules: list[dict] = []

    # -- submission -----------------------------------------------------------
    def next_id(self, name: str) -> str:
        with self.lock:
            return f"{name}-{self.counters.get(name, 0) + 1}"

    def add(self, spec, user: str, pool: str, priority: str, spec_text: str, template_text: str | None) -> Workflow:
        with self.lock:
            number = self.counters.get(spec.name, 0) + 1
            self.counters[spec.name] = number
            task_group = {t.name: g.name for g in spec.groups for t in g.tasks}
            groups = []
            for group_spec in spec.groups:
                tasks, upstream = [], set()
                for task_spec in group_spec.tasks:
                    env = dict(task_spec.environment)
                    files = {f.path: f.contents for f in task_spec.files if not f.base64}
                    echo, code, sleep, failure = interpret(task_spec.command, task_spec.args, env, files)
                    for rule in self.failure_rules:
                        if rule.get("task") in (None, task_spec.name) and rule.get("workflow") in (None, spec.name):
                            code = int(rule.get("exit_code", 1))
                            failure = rule.get("message") or f"Task exited with exit code {code}."
                            echo.append(rule.get("log") or f"emulated failure injected by rule: exit {code}")
                    inputs = [i.model_dump() for i in task_spec.inputs]
                    for item in task_spec.inputs:
                        up = getattr(item, "upstream", lambda: None)()
                        if up:
                            upstream.add(task_group[up])
                    tasks.append(Task(
                        name=task_spec.name, lead=task_spec.lead, image=task_spec.image,
                        script=" ".join(list(task_spec.command) + list(task_spec.args)), environment=env,
                        inputs=inputs, outputs=[o.model_dump() for o in task_spec.outputs], exit_code=code,
                        failure_message=failure, sleep=sleep, echo=echo,
                    ))
                groups.append(Group(name=group_spec.name, tasks=tasks, upstream=upstream,
                                    ignore_nonlead=group_spec.ignoreNonleadStatus))
            timeout = spec.timeout
            workflow = Workflow(
                name=f"{spec.name}-{number}", base_name=spec.name, uuid=uuid.uuid4().hex, user=user, pool=pool,
                priority=priority, spec_text=spec_text, template_text=template_text, groups=groups,
                submit_time=self.clock(),
                exec_timeout=timeout.exec_timeout.total_seconds() if timeout.exec_timeout else None,
                queue_timeout=timeout.queue_timeout.total_seconds() if timeout.queue_timeout else None,
                labels=dict(spec.labels),
            )
            self.workflows[workflow.name] = workflow
            return workflow

    # -- time -----------------------------------------------------------------
    def advance(self, workflow: Workflow) -> Workflow:
        with self.lock:
            now = self.clock()
            timing = self.timing
            ends: dict[str, float] = {}
            for group in workflow.groups:
                if group.status in ("COMPLETED",) or group.status.startswith("FAILED"):
                    ends[group.name] = group.end_time
                    continue
                ups = [g for g in workflow.groups if g.name in group.upstream]
                if any(g.status.startswith("FAILED") for g in ups):
                    failed_at = max(g.end_time for g in ups if g.status.startswith("FAILED"))
                    self._finish(group, "FAILED_UPSTREAM", failed_at, "An upstream task failed.")
                    ends[group.name] = group.end_time
                    continue
                if any(g.status != "COMPLETED" for g in ups):
                    self._cancel_if_needed(workflow, group)
                    continue
                ready = max([workflow.submit_time] + [g.end_time for g in ups])
                started = ready + timing.queue_seconds
                duration = timing.run_seconds + max((t.sleep for t in group.tasks), default=0) * timing.sleep_scale
                finished = started + duration
                if workflow.canceled_at is not None and workflow.canceled_at < finished:
                    if workflow.canceled_at >= started:
                        group.start_time = started
                        for task in group.tasks:
                            task.start_time = started
                    self._finish(group, "FAILED_CANCELED", max(workflow.canceled_at, ready),
                                 f"Workflow was canceled by {workflow.cancelled_by}.")
                    continue
                if workflow.exec_timeout is not None and duration > workflow.exec_timeout \
                        and now >= started + workflow.exec_timeout:
                    group.start_time = started
                    for task in group.tasks:
                        task.start_time = started
                    self._finish(group, "FAILED_EXEC_TIMEOUT", started + workflow.exec_timeout,
                                 f"Group ran longer than the exec_timeout of {workflow.exec_timeout:.0f}s.")
                    continue
                if now < started:
                    self._set(group, "SCHEDULING")
                elif now < finished:
                    self._set(group, "RUNNING")
                    group.start_time = started
                    for task in group.tasks:
                        task.start_time = started
                else:
                    group.start_time = started
                    group.end_time = finished
                    for task in group.tasks:
                        task.start_time, task.end_time = started, finished
                        task.status = "FAILED" if task.exit_code else "COMPLETED"
                    lead = next(t for t in group.tasks if t.lead)
                    if group.ignore_nonlead:
                        group.status = lead.status
                        group.failure_message = lead.failure_message
                    else:
                        failed = [t for t in group.tasks if t.status == "FAILED"]
                        group.status = "FAILED" if failed else "COMPLETED"
                        group.failure_message = failed[0].failure_message if failed else None
            self._aggregate(workflow)
            return workflow

    def _cancel_if_needed(self, workflow, group):
        if workflow.canceled_at is not None:
            self._finish(group, "FAILED_CANCELED", workflow.canceled_at,
                         f"Workflow was canceled by {workflow.cancelled_by}.")
        else:
            self._set(group, "WAITING")

    @staticmethod
    def _set(group, status):
        group.status = status
        for task in group.tasks:
            task.status = status

    @staticmethod
    def _finish(group, status, when, message):
        group.status, group.end_time, group.failure_message = status, when, message
        for task in group.tasks:
            if not (task.status == "COMPLETED" or task.status.startswith("FAILED")):
                task.status, task.end_time, task.failure_message = status, when, message

    @staticmethod
    def _aggregate(workflow):
        statuses = [g.status for g in workflow.groups]
        starts = [g.start_time for g in workflow.groups if g.start_time]
        workflow.start_time = min(starts) if starts else None
        finished = [s == "COMPLETED" or s.startswith("FAILED") for s in statuses]
        if not all(finished):
            workflow.status = "RUNNING" if "RUNNING" in statuses else "PENDING"
            workflow.end_time = None
            return
        workflow.end_time = max(g.end_time for g in workflow.groups)
        for special in ("FAILED_CANCELED", "FAILED_SERVER_ERROR", "FAILED_EXEC_TIMEOUT", "FAILED_QUEUE_TIMEOUT"):
            if special in statuses:
                workflow.status = special
                return
        failed = {s for s in statuses if s.startswith("FAILED") and s != "FAILED_UPSTREAM"}
        if failed:
            workflow.status = failed.pop() if len(failed) == 1 else "FAILED"
        elif any(s.startswith("FAILED") for s in statuses):
            workflow.status = "FAILED"
        else:
            workflow.status = "COMPLETED"

    # -- reads ----------------------------------------------------------------
    def get(self, name: str) -> Workflow | None:
        with self.lock:
            workflow = self.workflows.get(name) or next(
                (w for w in self.workflows.values() if w.uuid == name), None)
            return self.advance(workflow) if workflow else None

    def all(self) -> list[Workflow]:
        with self.lock:
            return [self.advance(w) for w in self.workflows.values()]

    def cancel(self, workflow: Workflow, user: str) -> None:
        with self.lock:
            workflow.canceled_at = self.clock()
            workflow.cancelled_by = user
            self.advance(workflow)

    # -- logs -----------------------------------------------------------------
    def task_logs(self, workflow: Workflow, group: Group, task: Task) -> list[str]:
        """Log lines a task has written so far (nothing before it started)."""
        if task.start_time is None or task.start_time > self.clock():
            return []
        tokens = {"{{output}}": f"{DATA}/output", "{{workflow_id}}": workflow.name, "{{uuid}}": task.uuid}
        for index, item in enumerate(task.inputs):
            tokens[f"{{{{input:{index}}}}}"] = f"{DATA}/input/{index}"
        for peer in group.tasks:
            tokens[f"{{{{host:{peer.name}}}}}"] = f"{peer.uuid}.{group.name}.osmo-workflows.svc.cluster.local"

        def expand(text):
            for key, value in tokens.items():
                text = text.replace(key, value)
            return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: task.environment.get(m.group(1), ""), text)

        lines = [f"[osmo] pulling image {task.image}"]
        for index, item in enumerate(task.inputs):
            source = item.get("url") or f"task {item.get('task')}"
            lines.append(f"[osmo] downloading input {index} from {source} to {DATA}/input/{index}")
        lines.extend(expand(line) for line in task.echo)
        if task.end_time is not None and task.status in ("COMPLETED", "FAILED"):
            for item in task.outputs:
                lines.append(f"[osmo] uploading {DATA}/output to {expand(item['url'])}")
            lines.append(f"[osmo] task exited with code {task.exit_code}")
        stamp = datetime.datetime.fromtimestamp(task.start_time, datetime.timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
        return [f"{stamp} [{task.name}] {line}" for line in lines]
