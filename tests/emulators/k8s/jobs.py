"""The Job controller (batch/v1) and the "kubelet" that runs its pods.

Modelled after the real controller: pods per index with the completion-index label/annotation and
JOB_COMPLETION_INDEX, parallelism, completions, backoffLimit, backoffLimitPerIndex with failedIndexes and
maxFailedIndexes, podFailurePolicy (FailJob, FailIndex, Ignore, Count on exit codes and pod conditions),
suspend/resume, activeDeadlineSeconds, the job-tracking finalizer, status counters, completedIndexes and the
SuccessCriteriaMet/Complete and FailureTarget/Failed conditions with the real reasons.

How pods end is programmable per job (``JobBehaviour``): a run time, and for chosen indexes a failure (exit
code or a DisruptionTarget condition such as a Spot eviction) on some or all attempts.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import time

from . import scheduling
from .fieldmanager import now_rfc3339
from .selectors import selector_object_match
from .store import clone

JOBS = ("batch", "jobs")
PODS = ("", "pods")
NODES = ("", "nodes")
TRACKING = "batch.kubernetes.io/job-tracking"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
FAILURES_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"


@dataclasses.dataclass
class Failure:
    exit_code: int = 1
    times: int | None = None          # fail the first `times` attempts; None: every attempt
    disruption: bool = False          # end with a DisruptionTarget condition (e.g. Spot eviction) instead
    container: str | None = None      # which container fails (default: the first)


@dataclasses.dataclass
class JobBehaviour:
    match_name: str = "*"             # fnmatch pattern on the job name
    match_namespace: str = "*"
    match_labels: dict = dataclasses.field(default_factory=dict)
    pod_duration: float | None = None
    start_delay: float | None = None
    failures: dict = dataclasses.field(default_factory=dict)   # index (int; 0 for NonIndexed) -> Failure

    def matches(self, job) -> bool:
        meta = job["metadata"]
        return (fnmatch.fnmatchcase(meta["name"], self.match_name)
                and fnmatch.fnmatchcase(meta.get("namespace", ""), self.match_namespace)
                and selector_object_match({"matchLabels": self.match_labels}, meta.get("labels")))

    @classmethod
    def from_dict(cls, data: dict) -> "JobBehaviour":
        match = data.get("match") or {}
        failures = {int(k): Failure(**v) for k, v in (data.get("failures") or {}).items()}
        return cls(match.get("name", "*"), match.get("namespace", "*"), match.get("labels") or {},
                   data.get("pod_duration"), data.get("start_delay"), failures)


def compress(indexes) -> str:
    """{0,1,2,5,7,8} -> '0-2,5,7-8' (the format of completedIndexes/failedIndexes)."""
    out, run = [], []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(out)


def expand(text: str | None) -> set:
    out = set()
    for part in (text or "").split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-")
            out.update(range(int(lo), int(hi) + 1))
        else:
            out.add(int(part))
    return out


def _condition(status, ctype, reason, message, value="True"):
    now = now_rfc3339()
    for cond in status.setdefault("conditions", []):
        if cond["type"] == ctype:
            if cond["status"] != value or cond.get("reason") != reason:
                cond.update(status=value, reason=reason, message=message, lastProbeTime=now,
                            lastTransitionTime=now)
            return
    status["conditions"].append({"type": ctype, "status": value, "lastProbeTime": now, "lastTransitionTime": now,
                                 "reason": reason, "message": message})


def _has(status, ctype) -> bool:
    return any(c["type"] == ctype and c["status"] == "True" for c in status.get("conditions") or [])


def finished(job) -> bool:
    status = job.get("status") or {}
    return _has(status, "Complete") or _has(status, "Failed")


class JobController:
    name = "jobs"

    def __init__(self, cluster):
        self.cluster = cluster
        self.store = cluster.store
        self.runtime: dict = {}        # pod uid -> {"start": t, "end": t, "exit": code, "disruption": bool, ...}
        self.retry_at: dict = {}       # (job uid, index) -> monotonic time a replacement pod may start
        self.finished_at: dict = {}    # job uid -> monotonic time it finished (for the TTL controller)
        self.attempts: dict = {}       # (job uid, index) -> pods started so far (ignored failures included)
        self.failures: dict = {}       # (job uid, index) -> counted failures (the job-index-failure-count)
        self.burst: dict = {}          # job uid -> size of the next pod creation batch (slow start: 1, 2, 4, ...)

    # -- behaviour ------------------------------------------------------------------------------------------------
    def behaviour(self, job) -> JobBehaviour:
        for rule in reversed(self.cluster.job_behaviours):
            if rule.matches(job):
                return rule
        return JobBehaviour()

    # -- main loop ------------------------------------------------------------------------------------------------
    def reconcile(self, now: float) -> None:
        # no lock across a sync: each write takes it, so API requests are served in between; status writes
        # re-read the Job so that a concurrent spec change is never overwritten
        with self.store.lock:
            jobs, _ = self.store.list(JOBS)
            self._release_orphans({j["metadata"]["uid"] for j in jobs})
            if not jobs:
                return
            nodes, _ = self.store.list(NODES)
            usage = self._usage(nodes)
        for listed in jobs:
            meta = listed["metadata"]
            job = self.store.get(JOBS, meta["namespace"], meta["name"])
            if job is None or job["metadata"]["uid"] != meta["uid"] or job["metadata"].get("deletionTimestamp"):
                continue
            self._sync(job, now, nodes, usage)

    def _release_orphans(self, job_uids) -> None:
        """Drops the tracking finalizer of pods whose Job is gone, so their deletion can complete."""
        def orphan(pod):
            meta = pod["metadata"]
            return TRACKING in (meta.get("finalizers") or []) and not any(
                r.get("kind") == "Job" and r.get("uid") in job_uids for r in meta.get("ownerReferences") or [])

        for pod in self.store.select(PODS, orphan):
            meta = pod["metadata"]
            meta["finalizers"] = [f for f in meta["finalizers"] if f != TRACKING]
            self.runtime.pop(meta["uid"], None)
            if meta.get("deletionTimestamp") and not meta["finalizers"]:
                self.store.remove(PODS, meta["namespace"], meta["name"])
            else:
                self.cluster.controller_update(PODS, pod, "kube-controller-manager")

    def _usage(self, nodes) -> dict:
        usage: dict = {}
        if not nodes:
            return usage
        pods = self.store.select(PODS, lambda p: p.get("status", {}).get("phase") in ("Pending", "Running"))
        for pod in pods:
            node = pod.get("spec", {}).get("nodeName")
            if node and pod.get("status", {}).get("phase") in ("Pending", "Running"):
                for name, amount in scheduling.requests(pod["spec"]).items():
                    usage.setdefault(node, {})[name] = usage.get(node, {}).get(name, 0.0) + amount
        return usage

    def _pods(self, job) -> list:
        """The job's pods still of interest: not finished, or finished but not yet counted (tracking finalizer)."""
        uid = job["metadata"]["uid"]
        pods = []
        for key, ns, name in self.store.dependents(uid):
            if key != PODS:
                continue
            pod = self.store.peek(PODS, ns, name)
            if pod is None:
                continue
            if self._terminal(pod) and TRACKING not in (pod["metadata"].get("finalizers") or []):
                continue
            pods.append(self.store.get(PODS, ns, name))
        return pods

    def _sync(self, job, now, nodes, usage) -> None:
        spec, status = job["spec"], clone(job.get("status") or {})
        before = clone(status)
        pods = self._pods(job)
        behaviour = self.behaviour(job)
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        per_index = spec.get("backoffLimitPerIndex")

        if finished(job):
            self._terminate(pods, [p for p in pods if not self._terminal(p)])
            dirty: set = set()
            self._account(job, [p for p in pods if self._terminal(p)], status, now, dirty)  # late pods
            self._write_pods(pods, dirty)
            self._save(job, status, before)
            return

        if spec.get("suspend"):
            active = [p for p in pods if not self._terminal(p)]
            self._terminate(pods, active)
            status["active"] = 0
            status["ready"] = 0
            if not _has(status, "Suspended"):
                _condition(status, "Suspended", "JobSuspended", "Job suspended")
            self._save(job, status, before)
            return
        if _has(status, "Suspended"):
            _condition(status, "Suspended", "JobResumed", "Job resumed", "False")
            status["startTime"] = now_rfc3339()
            self.cluster.job_started[job["metadata"]["uid"]] = now
        if "startTime" not in status:
            status["startTime"] = now_rfc3339()
            self.cluster.job_started[job["metadata"]["uid"]] = now
        started = self.cluster.job_started.setdefault(job["metadata"]["uid"], now)

        dirty = {p["metadata"]["uid"] for p in pods if self._kubelet(job, p, behaviour, now, nodes, usage)}
        failure = self._account(job, pods, status, now, dirty)
        self._write_pods(pods, dirty)
        pods = [p for p in pods if not (self._terminal(p) and TRACKING not in p["metadata"].get("finalizers", []))]

        completed = expand(status.get("completedIndexes")) if indexed else set()
        failed_indexes = expand(status.get("failedIndexes")) if indexed else set()
        active = [p for p in pods if not self._terminal(p)]
        deadline = spec.get("activeDeadlineSeconds")
        if failure is None and deadline is not None and now - started >= deadline:
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
        if failure is None and per_index is None and status.get("failed", 0) + self._restarts(pods) > \
                spec.get("backoffLimit", 6):
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        if failure is None and spec.get("maxFailedIndexes") is not None and \
                len(failed_indexes) > spec["maxFailedIndexes"]:
            failure = ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes")
        target = completions if completions is not None else 1
        done = len(completed) if indexed else status.get("succeeded", 0)

        if failure is None and indexed and len(completed) + len(failed_indexes) >= target and failed_indexes \
                and not active:
            failure = ("FailedIndexes", "Job has failed indexes")
        if failure is not None:
            self._terminate(pods, active)
            _condition(status, "FailureTarget", failure[0], failure[1])
            _condition(status, "Failed", failure[0], failure[1])
            status["active"], status["ready"] = 0, 0
            status.setdefault("terminating", 0)
            self.finished_at[job["metadata"]["uid"]] = now
        elif done >= target and not (indexed and failed_indexes):
            self._terminate(pods, active)
            message = "Reached expected number of succeeded pods"
            _condition(status, "SuccessCriteriaMet", "CompletionsReached", message)
            _condition(status, "Complete", "CompletionsReached", message)
            status["completionTime"] = now_rfc3339()
            status["active"], status["ready"] = 0, 0
            self.finished_at[job["metadata"]["uid"]] = now
        else:
            self._start_pods(job, pods, completed, failed_indexes, now)
            pods = self._pods(job)
            active = [p for p in pods if not self._terminal(p)]
            status["active"] = len(active)
            status["ready"] = sum(1 for p in active if p["status"].get("phase") == "Running")
        status["uncountedTerminatedPods"] = {}
        status["terminating"] = 0
        self._save(job, status, before)

    # -- pods -----------------------------------------------------------------------------------------------------
    @staticmethod
    def _terminal(pod) -> bool:
        return pod.get("status", {}).get("phase") in ("Succeeded", "Failed")

    @staticmethod
    def _restarts(pods) -> int:
        return sum(cs.get("restartCount", 0) for p in pods for cs in p.get("status", {}).get("containerStatuses")
                   or [])

    def _terminate(self, pods, active) -> None:
        for pod in active:
            meta = pod["metadata"]
            self.runtime.pop(meta["uid"], None)
            self.store.remove(PODS, meta["namespace"], meta["name"])

    def _start_pods(self, job, pods, completed, failed_indexes, now) -> None:
        spec = job["spec"]
        parallelism = spec.get("parallelism", 1)
        active = [p for p in pods if not self._terminal(p)]
        uid = job["metadata"]["uid"]
        # like the real controller, pods are created in batches that double while creation succeeds
        batch = self.burst.get(uid, 1)
        room = min(parallelism - len(active), batch)
        if room <= 0:
            return
        self.burst[uid] = min(batch * 2, 500)
        if spec.get("completionMode") == "Indexed":
            busy = {int(p["metadata"]["annotations"][INDEX_LABEL]) for p in active}
            for index in range(spec["completions"]):
                if room <= 0:
                    break
                if index in completed or index in failed_indexes or index in busy:
                    continue
                if self.retry_at.get((uid, index), 0) > now:
                    continue
                self._create_pod(job, index, pods)
                room -= 1
        else:
            target = spec.get("completions")
            remaining = (target - job.get("status", {}).get("succeeded", 0)) if target is not None else parallelism
            wanted = min(room, max(0, remaining - len(active)))
            if self.retry_at.get((uid, None), 0) > now:
                return
            for _ in range(wanted):
                self._create_pod(job, None, pods)

    def _create_pod(self, job, index, pods) -> None:
        meta, spec = job["metadata"], job["spec"]
        template = clone(spec["template"])
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        annotations = dict((template.get("metadata") or {}).get("annotations") or {})
        pod_spec = template["spec"]
        prefix = f"{meta['name']}-"
        if index is not None:
            labels[INDEX_LABEL] = str(index)
            annotations[INDEX_LABEL] = str(index)
            prefix = f"{meta['name']}-{index}-"
            if spec.get("backoffLimitPerIndex") is not None:
                annotations[FAILURES_ANNOTATION] = str(self.failures.get((meta["uid"], index), 0))
            pod_spec.setdefault("hostname", f"{meta['name']}-{index}")
            for field in ("initContainers", "containers"):
                for container in pod_spec.get(field) or []:
                    env = container.setdefault("env", [])
                    if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                        env.append({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                            "apiVersion": "v1",
                            "fieldPath": f"metadata.labels['{INDEX_LABEL}']"}}})
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"generateName": prefix, "namespace": meta["namespace"], "labels": labels,
                            "annotations": annotations, "finalizers": [TRACKING],
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
                                                 "uid": meta["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}]},
               "spec": pod_spec,
               "status": {"phase": "Pending", "qosClass": "BestEffort"}}
        self.cluster.controller_create(PODS, pod, "kube-controller-manager")

    def _kubelet(self, job, pod, behaviour, now, nodes, usage) -> bool:
        """Advances one pod in place (schedule, run, finish); True when it changed. The caller writes it."""
        if self._terminal(pod):
            return False
        meta, spec, status = pod["metadata"], pod["spec"], pod["status"]
        uid = meta["uid"]
        config = self.cluster.config
        state = self.runtime.get(uid)
        changed = False
        if not spec.get("nodeName"):
            node, message = scheduling.place(spec, nodes, usage)
            if node is None:
                cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                        "lastProbeTime": None, "lastTransitionTime": now_rfc3339()}
                if (status.get("conditions") or [{}])[0].get("message") != message:
                    status["conditions"] = [cond]
                    return True
                return False
            spec["nodeName"] = node
            for name, amount in scheduling.requests(spec).items():
                usage.setdefault(node, {})[name] = usage.get(node, {}).get(name, 0.0) + amount
            index = meta.get("annotations", {}).get(INDEX_LABEL)
            slot = (job["metadata"]["uid"], index)
            attempt = self.attempts.get(slot, 0)
            self.attempts[slot] = attempt + 1
            failure = behaviour.failures.get(int(index) if index is not None else 0)
            fails = failure is not None and (failure.times is None or attempt < failure.times)
            start = now + (behaviour.start_delay if behaviour.start_delay is not None else config.pod_start_delay)
            run = behaviour.pod_duration if behaviour.pod_duration is not None else config.pod_duration
            state = {"start": start, "end": start + run, "exit": failure.exit_code if fails else 0,
                     "disruption": bool(fails and failure.disruption),
                     "container": (failure.container if fails and failure.container else None)}
            self.runtime[uid] = state
            status["conditions"] = [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                     "lastTransitionTime": now_rfc3339()}]
            changed = True
        if state is None:   # pod created before a restart of the controller: run it now
            state = {"start": now, "end": now + config.pod_duration, "exit": 0, "disruption": False,
                     "container": None}
            self.runtime[uid] = state
        containers = [c["name"] for c in spec.get("containers") or []]
        if status.get("phase") == "Pending" and now >= state["start"]:
            started = now_rfc3339()
            status.update(phase="Running", startTime=started, hostIP="10.224.0.4", podIP="10.244.0.10")
            status["conditions"] = [{"type": t, "status": "True", "lastProbeTime": None,
                                     "lastTransitionTime": started}
                                    for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                              "ContainersReady", "PodScheduled")]
            status["containerStatuses"] = [{"name": c, "ready": True, "started": True, "restartCount": 0,
                                            "image": self._image(spec, c), "imageID": "",
                                            "state": {"running": {"startedAt": started}}} for c in containers]
            changed = True
        if status.get("phase") == "Running" and now >= state["end"]:
            ended = now_rfc3339()
            failing = state["container"] or (containers[0] if containers else None)
            if state["exit"] and spec.get("restartPolicy") == "OnFailure" and not state["disruption"]:
                for cs in status["containerStatuses"]:
                    if cs["name"] == failing:
                        cs["restartCount"] += 1
                        cs["lastState"] = {"terminated": {"exitCode": state["exit"], "reason": "Error",
                                                          "startedAt": cs["state"].get("running", {}).get(
                                                              "startedAt"), "finishedAt": ended}}
                # a restarted container runs again; it fails again if the behaviour says so
                behaviour_failure = self.behaviour(job).failures.get(
                    int(meta.get("annotations", {}).get(INDEX_LABEL, 0)))
                restarts = max(cs["restartCount"] for cs in status["containerStatuses"])
                still = behaviour_failure is not None and (behaviour_failure.times is None or
                                                           restarts < behaviour_failure.times)
                state.update(end=now + (behaviour.pod_duration if behaviour.pod_duration is not None
                                        else config.pod_duration), exit=state["exit"] if still else 0)
                changed = True
            else:
                ok = state["exit"] == 0 and not state["disruption"]
                status["phase"] = "Succeeded" if ok else "Failed"
                for t in status.get("conditions") or []:
                    if t["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                        t.update(status="False", reason="PodCompleted" if ok else None, lastTransitionTime=ended)
                        if not ok:
                            t.pop("reason")
                if state["disruption"]:
                    status["conditions"].append({"type": "DisruptionTarget", "status": "True",
                                                 "reason": "TerminationByKubelet",
                                                 "message": "Pod was terminated in response to imminent node "
                                                            "shutdown.", "lastProbeTime": None,
                                                 "lastTransitionTime": ended})
                for cs in status["containerStatuses"]:
                    code = 0 if ok or (cs["name"] != failing and not state["disruption"]) else (
                        state["exit"] if not state["disruption"] else 137)
                    cs.update(ready=False, started=False, state={"terminated": {
                        "exitCode": code, "reason": "Completed" if code == 0 else "Error",
                        "startedAt": cs["state"].get("running", {}).get("startedAt"), "finishedAt": ended}})
                self.runtime.pop(uid, None)
                changed = True
        return changed

    @staticmethod
    def _image(spec, name):
        for container in spec.get("containers") or []:
            if container["name"] == name:
                return container.get("image", "")
        return ""

    # -- accounting -----------------------------------------------------------------------------------------------
    def _rule_for(self, job, pod):
        """The first podFailurePolicy rule matching a failed pod: (index, rule) or None."""
        policy = job["spec"].get("podFailurePolicy") or {}
        conditions = {c["type"]: c.get("status") for c in pod.get("status", {}).get("conditions") or []}
        statuses = pod.get("status", {}).get("containerStatuses") or []
        for i, rule in enumerate(policy.get("rules") or []):
            codes = rule.get("onExitCodes")
            if codes:
                for cs in statuses:
                    if codes.get("containerName") and cs["name"] != codes["containerName"]:
                        continue
                    code = cs.get("state", {}).get("terminated", {}).get("exitCode", 0)
                    if code == 0:
                        continue
                    inside = code in (codes.get("values") or [])
                    if inside == (codes.get("operator") == "In"):
                        return i, rule, f"Container {cs['name']} for pod {pod['metadata']['namespace']}/" \
                                        f"{pod['metadata']['name']} failed with exit code {code} matching " \
                                        f"{rule['action']} rule at index {i}"
            for pattern in rule.get("onPodConditions") or []:
                if conditions.get(pattern["type"]) == pattern.get("status", "True"):
                    return i, rule, f"Pod {pod['metadata']['namespace']}/{pod['metadata']['name']} has condition " \
                                    f"{pattern['type']} matching {rule['action']} rule at index {i}"
        return None

    def _write_pods(self, pods, dirty) -> None:
        for pod in pods:
            if pod["metadata"]["uid"] in dirty and self.store.peek(PODS, pod["metadata"]["namespace"],
                                                                    pod["metadata"]["name"]) is not None:
                self.cluster.controller_update(PODS, pod, "kubelet")

    def _account(self, job, pods, status, now, dirty):
        """Counts pods that ended and drops their tracking finalizer; returns a job failure (reason, message)."""
        spec = job["spec"]
        indexed = spec.get("completionMode") == "Indexed"
        per_index = spec.get("backoffLimitPerIndex")
        completed = expand(status.get("completedIndexes"))
        failed_indexes = expand(status.get("failedIndexes"))
        failure = None
        uid = job["metadata"]["uid"]
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            meta = pod["metadata"]
            if TRACKING not in (meta.get("finalizers") or []) or not self._terminal(pod):
                continue
            index = int(meta["annotations"][INDEX_LABEL]) if indexed else None
            if pod["status"]["phase"] == "Succeeded":
                if indexed:
                    if index not in completed and index not in failed_indexes:
                        completed.add(index)
                        status["succeeded"] = status.get("succeeded", 0) + 1
                else:
                    status["succeeded"] = status.get("succeeded", 0) + 1
            else:
                match = self._rule_for(job, pod)
                action = match[1]["action"] if match else "Count"
                if action != "Ignore":
                    status["failed"] = status.get("failed", 0) + 1
                    self.retry_at[(uid, index)] = now + self.cluster.config.job_backoff
                    self.failures[(uid, index)] = self.failures.get((uid, index), 0) + 1
                if action == "FailJob" and failure is None and not finished(job):
                    failure = ("PodFailurePolicy", match[2])
                elif indexed and per_index is not None and action in ("FailIndex", "Count"):
                    if action == "FailIndex" or self.failures[(uid, index)] > per_index:
                        failed_indexes.add(index)
            meta["finalizers"] = [f for f in meta["finalizers"] if f != TRACKING]
            dirty.add(meta["uid"])
        if indexed:
            status["completedIndexes"] = compress(completed)
            if per_index is not None:
                status["failedIndexes"] = compress(failed_indexes)
        return failure

    def _save(self, job, status, before) -> None:
        for field in ("active", "succeeded", "failed"):   # omitempty in the Go type
            if status.get(field) == 0:
                status.pop(field)
        if status == before:
            return
        with self.store.lock:
            meta = job["metadata"]
            current = self.store.get(JOBS, meta["namespace"], meta["name"])
            if current is None or current["metadata"]["uid"] != meta["uid"]:
                return
            new = clone(current)
            new["status"] = status
            self.cluster.controller_status(JOBS, new, "kube-controller-manager", old=current)


class TtlController:
    """Deletes finished Jobs ttlSecondsAfterFinished after they finished (propagation Background)."""

    name = "ttl"

    def __init__(self, cluster, jobs: JobController):
        self.cluster = cluster
        self.jobs = jobs

    def reconcile(self, now: float) -> None:
        store = self.cluster.store
        with store.lock:
            items, _ = store.list(JOBS)
            for job in items:
                ttl = job["spec"].get("ttlSecondsAfterFinished")
                if ttl is None or not finished(job):
                    continue
                done = self.jobs.finished_at.setdefault(job["metadata"]["uid"], now)
                if now - done >= ttl * self.cluster.config.ttl_scale:
                    self.cluster.delete_object(JOBS, job, "Background")


def monotonic() -> float:
    return time.monotonic()
