# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A resimulation batch as Kubernetes objects: validation, the Indexed Job of each attempt, and results.

Pure functions (no I/O). A batch of N tasks is one Indexed Job (completions=N); a retry of the indexes that
failed is another Indexed Job over just those indexes. Every pod finds its task from ``JOB_COMPLETION_INDEX``
(mapped through ``RESIM_INDEX_MAP`` in retries) and gets, from a small shell prelude, ``RESIM_TASK_INDEX``,
``RESIM_INPUT_SHARD`` (input claim, read-only) and ``RESIM_OUTPUT_PREFIX`` (output claim), then runs the
task's command.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json
import posixpath
import re

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np

BATCH_LABEL = "azure-robotics.io/resim-batch"
ATTEMPT_LABEL = "azure-robotics.io/resim-attempt"
HASH_ANNOTATION = "azure-robotics.io/resim-spec-hash"
INDEXES_ANNOTATION = "azure-robotics.io/resim-indexes"
COMMON_LABELS = {"app.kubernetes.io/managed-by": "azure_robotics.stack", "app.kubernetes.io/component": "resim"}
CONTAINER = "resim"
INPUT_VOLUME = "resim-input"
OUTPUT_VOLUME = "resim-output"
MAX_COMPLETIONS = 100000          # the API's limit for Indexed Jobs with backoffLimitPerIndex
MAX_BATCH_ID = 50                 # "resim-<id>-r<attempt>" must stay a DNS label (63)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

# Runs before the task's command (``sh -c PRELUDE resim-task CMD...``). No "$(" in it: the kubelet expands
# $(VAR) references in commands.
PRELUDE = """set -eu
index="${JOB_COMPLETION_INDEX:?not an Indexed Job pod}"
if [ -n "${RESIM_INDEX_MAP:-}" ]; then
  field=`expr "$index" + 1`
  index=`printf '%s\\n' "$RESIM_INDEX_MAP" | cut -d, -f"$field"`
fi
shard=`printf "$RESIM_SHARD_FORMAT" "$index"`
export RESIM_TASK_INDEX="$index"
export RESIM_INPUT_SHARD="$RESIM_INPUT_ROOT/$shard"
export RESIM_OUTPUT_PREFIX="$RESIM_OUTPUT_ROOT/$shard"
mkdir -p "$RESIM_OUTPUT_PREFIX"
exec "$@"
"""


class SpecError(ValueError):
    """Bad input; the message names the option."""


# -- index ranges ("0-2,5") ----------------------------------------------------------------------------------------
def compress(indexes):
    out, run = [], []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else "%d-%d" % (run[0], run[-1]))
        run = [i]
    if run:
        out.append(str(run[0]) if len(run) == 1 else "%d-%d" % (run[0], run[-1]))
    return ",".join(out)


def expand(text):
    out = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            out.update(range(int(low), int(high) + 1))
        else:
            out.add(int(part))
    return out


# -- validation ----------------------------------------------------------------------------------------------------
def _relative(value, option):
    value = (value or "").strip()
    if value.startswith("/") or ".." in value.split("/"):
        raise SpecError("%s must be a path inside the container (relative, without '..'), got %r" % (option, value))
    return posixpath.normpath(value).strip("/") if value else ""


def _count(params, option, minimum=0):
    value = params.get(option)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError("%s must be a whole number >= %d, got %r" % (option, minimum, value))
    return value


def normalize(params, warn):
    """Validated, normalized batch spec from the module's options; no API call is needed for any of it."""
    spec = dict(params)
    batch_id = spec.get("batch_id") or ""
    if len(batch_id) > MAX_BATCH_ID or not _DNS_LABEL.match(batch_id):
        raise SpecError("batch_id must be 1-%d lowercase letters, digits or '-', starting and ending with a letter "
                        "or digit (it names the Jobs), got %r" % (MAX_BATCH_ID, batch_id))
    namespace = spec.get("namespace") or ""
    if len(namespace) > 63 or not _DNS_LABEL.match(namespace):
        raise SpecError("namespace must be a DNS label, got %r" % namespace)
    if spec.get("state", "present") != "present":
        return spec
    njobs = spec.get("njobs")
    if isinstance(njobs, bool) or not isinstance(njobs, int) or njobs <= 0:
        raise SpecError("njobs must be a whole number >= 1 (the number of tasks in the batch), got %r" % (njobs,))
    if njobs > MAX_COMPLETIONS:
        raise SpecError("njobs must be at most %d (the Indexed Job limit with backoffLimitPerIndex), got %d; "
                        "split the batch" % (MAX_COMPLETIONS, njobs))
    parallelism = spec.get("parallelism")
    if parallelism is None:
        parallelism = njobs
    elif isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism <= 0:
        raise SpecError("parallelism must be a whole number >= 1, got %r" % (parallelism,))
    elif parallelism > njobs:
        warn("parallelism %d is greater than njobs %d: using parallelism %d" % (parallelism, njobs, njobs))
        parallelism = njobs
    spec["parallelism"] = parallelism
    for option in ("backoff_limit_per_index", "max_failed_indexes", "gpus", "shard_width",
                   "ttl_seconds_after_finished", "active_deadline_seconds", "max_attempts"):
        _count(spec, option)
    if spec.get("max_failed_indexes") is not None and spec["max_failed_indexes"] > njobs:
        raise SpecError("max_failed_indexes %d is greater than njobs %d" % (spec["max_failed_indexes"], njobs))
    if spec.get("active_deadline_seconds") == 0:
        raise SpecError("active_deadline_seconds must be >= 1 when set")
    if spec.get("max_attempts") is not None and spec["max_attempts"] < 1:
        raise SpecError("max_attempts must be >= 1, got %d" % spec["max_attempts"])
    for option in ("input_claim", "output_claim"):
        claim = spec.get(option) or ""
        if len(claim) > 253 or not _DNS_SUBDOMAIN.match(claim):
            raise SpecError("%s must be the name of a PersistentVolumeClaim, got %r" % (option, claim))
    spec["input_prefix"] = _relative(spec.get("input_prefix"), "input_prefix")
    spec["output_prefix"] = _relative(spec.get("output_prefix"), "output_prefix")
    for option in ("input_mount_path", "output_mount_path"):
        if not (spec.get(option) or "").startswith("/"):
            raise SpecError("%s must be an absolute path, got %r" % (option, spec.get(option)))
    template = spec.get("job_template")
    if template is not None:
        if not isinstance(template, dict) or not isinstance(template.get("spec", {}).get("template", {}).get(
                "spec", {}).get("containers"), list) or not template["spec"]["template"]["spec"]["containers"]:
            raise SpecError("job_template must be a batch/v1 Job manifest with spec.template.spec.containers")
    main = _template_container(template)
    if not spec.get("image") and not main.get("image"):
        raise SpecError("image is required (or a job_template whose container has an image)")
    if not spec.get("command") and not main.get("command"):
        raise SpecError("command is required (or a job_template whose container has a command): the task runs "
                        "it after deriving its input shard and output prefix from its index")
    pools = spec.get("node_pools")
    if spec.get("node_pool"):
        try:
            spec["pool"] = np.get_pool(pools or {}, spec["node_pool"], option="node_pool")
        except np.NodePoolError as exc:
            raise SpecError(str(exc))
    else:
        spec["pool"] = None
    for name in spec.get("fail_index_exit_codes") or []:
        if isinstance(name, bool) or not isinstance(name, int) or not 1 <= name <= 255:
            raise SpecError("fail_index_exit_codes must be exit codes 1-255, got %r" % (name,))
    return spec


def _template_container(template):
    if not template:
        return {}
    containers = template["spec"]["template"]["spec"]["containers"]
    for container in containers:
        if container.get("name") == CONTAINER:
            return container
    return containers[0]


# -- names ---------------------------------------------------------------------------------------------------------
def job_name(batch_id, attempt=0):
    return "resim-%s" % batch_id if attempt == 0 else "resim-%s-r%d" % (batch_id, attempt)


def record_name(batch_id):
    return "resim-%s" % batch_id


def labels(spec, attempt=None):
    result = dict(COMMON_LABELS)
    result.update(spec.get("labels") or {})
    result[BATCH_LABEL] = spec["batch_id"]
    if attempt is not None:
        result[ATTEMPT_LABEL] = str(attempt)
    return result


def output_root(spec):
    return posixpath.join(spec["output_mount_path"], spec["output_prefix"], spec["batch_id"])


def shard_name(spec, index):
    width = spec.get("shard_width") or 0
    return ("%0" + str(width) + "d") % index if width else str(index)


# -- the Job -------------------------------------------------------------------------------------------------------
def _merge_named(items, additions, key="name"):
    result = [i for i in (items or []) if i.get(key) not in {a[key] for a in additions}]
    return result + additions


def build_job(spec, attempt=0, indexes=None):
    """The Indexed Job of ``attempt`` (0: every index; later: the original ``indexes`` only)."""
    template_job = copy.deepcopy(spec.get("job_template") or {})
    pod_template = template_job.get("spec", {}).get("template") or {"spec": {"containers": [{"name": CONTAINER}]}}
    pod = pod_template.setdefault("spec", {})
    main = _template_container({"spec": {"template": pod_template}})
    main.setdefault("name", CONTAINER)
    if spec.get("image"):
        main["image"] = spec["image"]
    command = list(spec.get("command") or main.get("command") or [])
    args = list(spec["args"]) if spec.get("args") is not None else list(main.get("args") or [])
    main["command"] = ["/bin/sh", "-c", PRELUDE, "resim-task"] + command + args
    main.pop("args", None)
    completions = spec["njobs"] if indexes is None else len(indexes)
    env = [{"name": "RESIM_BATCH_ID", "value": spec["batch_id"]},
           {"name": "RESIM_ATTEMPT", "value": str(attempt)},
           {"name": "RESIM_INDEX_MAP", "value": ",".join(str(i) for i in indexes) if indexes is not None else ""},
           {"name": "RESIM_INPUT_ROOT", "value": posixpath.join(spec["input_mount_path"], spec["input_prefix"])
            .rstrip("/")},
           {"name": "RESIM_OUTPUT_ROOT", "value": output_root(spec).rstrip("/")},
           {"name": "RESIM_SHARD_FORMAT", "value": "%0" + str(spec["shard_width"]) + "d"
            if spec.get("shard_width") else "%d"}]
    env += [{"name": k, "value": str(v)} for k, v in sorted((spec.get("env") or {}).items())]
    main["env"] = _merge_named(main.get("env"), env)
    resources = main.setdefault("resources", {})
    pool = spec.get("pool")
    if spec.get("gpus"):
        gpu = np.gpu_resource_name(pool) if pool else np.GPU_RESOURCE
        resources.setdefault("limits", {})[gpu] = str(spec["gpus"])
    for name in ("cpu", "memory"):
        if spec.get(name):
            resources.setdefault("requests", {})[name] = str(spec[name])
    if not resources:
        main.pop("resources")
    main["volumeMounts"] = _merge_named(main.get("volumeMounts"), [
        {"name": INPUT_VOLUME, "mountPath": spec["input_mount_path"], "readOnly": True},
        {"name": OUTPUT_VOLUME, "mountPath": spec["output_mount_path"]}])
    pod["volumes"] = _merge_named(pod.get("volumes"), [
        {"name": INPUT_VOLUME, "persistentVolumeClaim": {"claimName": spec["input_claim"], "readOnly": True}},
        {"name": OUTPUT_VOLUME, "persistentVolumeClaim": {"claimName": spec["output_claim"]}}])
    pod["restartPolicy"] = "Never"    # required by podFailurePolicy; failures are retried per index instead
    if pool:
        selector = dict(pod.get("nodeSelector") or {})
        selector.update(np.pool_node_selector(spec["node_pool"], pool, spec.get("node_selector_by") or "agentpool"))
        pod["nodeSelector"] = selector
        tolerations = list(pod.get("tolerations") or [])
        for item in np.pool_tolerations(pool):
            if item not in tolerations:
                tolerations.append(item)
        if tolerations:
            pod["tolerations"] = tolerations
    if spec.get("service_account_name"):
        pod["serviceAccountName"] = spec["service_account_name"]
    if spec.get("priority_class_name"):
        pod["priorityClassName"] = spec["priority_class_name"]
    meta = pod_template.setdefault("metadata", {})
    meta["labels"] = dict(meta.get("labels") or {}, **labels(spec, attempt))

    rules = [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]
    if spec.get("fail_index_exit_codes"):
        rules.append({"action": "FailIndex", "onExitCodes": {"containerName": main["name"], "operator": "In",
                                                             "values": sorted(spec["fail_index_exit_codes"])}})
    job_spec = {k: v for k, v in (template_job.get("spec") or {}).items()
                if k in ("activeDeadlineSeconds", "podFailurePolicy")}
    job_spec.update({
        "completionMode": "Indexed",
        "completions": completions,
        "parallelism": min(spec["parallelism"], completions),
        "backoffLimitPerIndex": spec.get("backoff_limit_per_index", 1),
        "podFailurePolicy": job_spec.get("podFailurePolicy") or {"rules": rules},
        "template": pod_template,
    })
    if spec.get("max_failed_indexes") is not None:
        job_spec["maxFailedIndexes"] = min(spec["max_failed_indexes"], completions)
    if spec.get("ttl_seconds_after_finished") is not None:
        job_spec["ttlSecondsAfterFinished"] = spec["ttl_seconds_after_finished"]
    if spec.get("active_deadline_seconds"):
        job_spec["activeDeadlineSeconds"] = spec["active_deadline_seconds"]
    annotations = dict((template_job.get("metadata") or {}).get("annotations") or {})
    if indexes is not None:
        annotations[INDEXES_ANNOTATION] = compress(indexes)
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": job_name(spec["batch_id"], attempt), "namespace": spec["namespace"],
                        "labels": dict((template_job.get("metadata") or {}).get("labels") or {},
                                       **labels(spec, attempt)),
                        "annotations": annotations},
           "spec": job_spec}
    job["metadata"]["annotations"][HASH_ANNOTATION] = spec_hash(spec)
    return job


def spec_hash(spec):
    """Identity of a batch: what its tasks run and read/write; parallelism (mutable on a Job) excluded."""
    keys = ("batch_id", "namespace", "njobs", "image", "command", "args", "env", "input_claim", "output_claim",
            "input_prefix", "output_prefix", "input_mount_path", "output_mount_path", "shard_width", "node_pool",
            "gpus", "cpu", "memory", "job_template", "backoff_limit_per_index", "fail_index_exit_codes")
    identity = {k: spec.get(k) for k in keys}
    identity["pool"] = spec.get("pool")
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


# -- results -------------------------------------------------------------------------------------------------------
def _condition(job, ctype):
    for cond in ((job or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype and cond.get("status") == "True":
            return cond
    return None


def attempt_outcome(job, indexes, njobs):
    """What one attempt's Job says about the original indexes it ran (job: API dict, or None when deleted)."""
    if job is None:
        return {"exists": False}
    original = list(indexes) if indexes is not None else None

    def to_original(local):
        return original[local] if original is not None else local

    status = job.get("status") or {}
    completed = {to_original(i) for i in expand(status.get("completedIndexes"))}
    failed = {to_original(i) for i in expand(status.get("failedIndexes"))}
    covered = set(original) if original is not None else set(range(njobs))
    failed_condition = _condition(job, "Failed")
    finished = bool(failed_condition or _condition(job, "Complete"))
    if failed_condition:
        failed |= covered - completed        # a Job that failed ends every index it did not complete
    return {"exists": True, "name": job["metadata"]["name"], "completed": completed, "failed": failed,
            "covered": covered, "finished": finished, "suspended": bool((job.get("spec") or {}).get("suspend")),
            "active": status.get("active", 0) or 0, "ready": status.get("ready", 0) or 0,
            "succeeded": status.get("succeeded", 0) or 0, "failures": status.get("failed", 0) or 0,
            "reason": failed_condition.get("reason") if failed_condition else None}


def summarize(spec, attempts, outcomes):
    """Per-index results over all attempts: the latest attempt that ran an index decides, success is final."""
    njobs = spec["njobs"]
    state = {}
    attempt_of = {}
    for number, (attempt, outcome) in enumerate(zip(attempts, outcomes)):
        covered = set(attempt["indexes"]) if attempt.get("indexes") is not None else set(range(njobs))
        if not outcome.get("exists"):
            recorded = attempt.get("results")
            if attempt.get("planned"):
                outcome = {"completed": set(), "failed": set(), "finished": False}
            elif recorded:
                outcome = {"completed": expand(recorded.get("completed")), "failed": expand(recorded.get("failed")),
                           "finished": True}
            else:
                for index in covered:
                    if state.get(index) != "succeeded":
                        state[index], attempt_of[index] = "unknown", number
                continue
        for index in covered:
            if state.get(index) == "succeeded":
                continue
            attempt_of[index] = number
            if index in outcome["completed"]:
                state[index] = "succeeded"
            elif index in outcome["failed"]:
                state[index] = "failed"
            else:
                state[index] = "pending"
    results = []
    for index in range(njobs):
        shard = shard_name(spec, index)
        entry = {"index": index, "status": state.get(index, "pending"), "attempt": attempt_of.get(index, 0),
                 "input": posixpath.join(spec["input_prefix"], shard),
                 "output": posixpath.join(spec["output_prefix"], spec["batch_id"], shard)}
        if spec.get("output_url"):
            entry["output_url"] = "%s/%s" % (spec["output_url"].rstrip("/"), entry["output"])
        results.append(entry)
    counts = {"succeeded": 0, "failed": 0, "pending": 0, "unknown": 0}
    for entry in results:
        counts[entry["status"]] += 1
    latest = outcomes[-1] if outcomes else {}
    failed = [e["index"] for e in results if e["status"] == "failed"]
    return {
        "total": njobs,
        "succeeded": counts["succeeded"],
        "failed": counts["failed"],
        "pending": counts["pending"],
        "unknown": counts["unknown"],
        "active": latest.get("active", 0) if latest.get("exists") else 0,
        "attempts": len(attempts),
        "finished": bool(outcomes) and all(o.get("finished", not o.get("exists")) for o in outcomes)
        and not any(a.get("planned") for a in attempts),
        "complete": counts["succeeded"] == njobs,
        "failed_indexes": failed,
        "failed_ranges": compress(failed),
        "succeeded_ranges": compress(e["index"] for e in results if e["status"] == "succeeded"),
    }, results
