"""The Kubernetes API contract our code relies on, through the real ``kubernetes`` client.

Every test runs against the emulator and, when KUBECONFIG is set, against that real cluster (``kube``
fixture, marker ``cloud``): the emulator is only trusted where a real server gives the same answers.
"""

from __future__ import annotations

import copy
import json
import threading

import kubernetes
import pytest
from kubernetes.client import ApiException

from support.waiting import wait_until

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.contract.azure-robotics.test"},
    "spec": {
        "group": "contract.azure-robotics.test",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "required": ["size"], "properties": {
                    "size": {"type": "integer", "minimum": 1},
                    "colour": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                    "tags": {"type": "array", "items": {"type": "string"}}}},
                "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}},
        }],
    },
}


def deployment(name, image="nginx:1.27", env=None):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                         {"name": "web", "image": image, "env": env or [{"name": "A", "value": "1"}]}]}}}}


def body_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


@pytest.fixture
def core(kube):
    return kubernetes.client.CoreV1Api(kube.api_client())


@pytest.fixture
def apps(kube):
    return kubernetes.client.AppsV1Api(kube.api_client())


def test_version_and_discovery(kube):
    dyn = kube.dynamic_client()
    assert int(dyn.version["kubernetes"]["major"]) == 1
    groups = {g.name for g in kubernetes.client.ApisApi(kube.api_client()).get_api_versions().groups}
    assert {"apps", "batch", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io",
            "apiextensions.k8s.io"} <= groups
    core_resources = kubernetes.client.CoreV1Api(kube.api_client()).get_api_resources()
    by_name = {r.name: r for r in core_resources.resources}
    assert by_name["configmaps"].namespaced and not by_name["namespaces"].namespaced
    assert "pods/status" in by_name and "cm" in by_name["configmaps"].short_names
    job = dyn.resources.get(api_version="batch/v1", kind="Job")
    assert job.namespaced and "status" in job.subresources
    assert dyn.resources.get(api_version="v1", kind="PersistentVolume").namespaced is False


def test_create_get_list_with_selectors(kube, core):
    ns = kube.namespace
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "one", "labels": {"tier": "a"}},
                                                     "data": {"k": "v"}})
    assert created.metadata.uid and created.metadata.creation_timestamp and created.metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "two", "labels": {"tier": "b"}}})
    # the raw list carries kind, apiVersion and the list's resourceVersion
    raw = kube.api_client().call_api(*kube.api_client().param_serialize(
        "GET", f"/api/v1/namespaces/{ns}/configmaps", query_params=[("labelSelector", "tier in (a,b)")],
        header_params={"Accept": "application/json"}, auth_settings=["BearerToken"]))
    raw.read()
    listed = json.loads(raw.data)
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert int(listed["metadata"]["resourceVersion"]) >= int(created.metadata.resource_version)
    assert sorted(i["metadata"]["name"] for i in listed["items"]) == ["one", "two"]
    assert [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="tier=a").items] == ["one"]
    assert [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="tier!=a,tier").items] == [
        "two"]
    assert [c.metadata.name for c in core.list_namespaced_config_map(
        ns, field_selector="metadata.name=two").items] == ["two"]
    assert core.read_namespaced_config_map("one", ns).data == {"k": "v"}


def test_not_found_and_already_exists_status_bodies(kube, core):
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("absent", kube.namespace)
    body = body_of(missing.value)
    assert missing.value.status == 404
    assert (body["kind"], body["status"], body["reason"], body["code"]) == ("Status", "Failure", "NotFound", 404)
    assert body["message"] == 'configmaps "absent" not found'
    assert body["details"] == {"name": "absent", "kind": "configmaps"}
    core.create_namespaced_config_map(kube.namespace, {"metadata": {"name": "dup"}})
    with pytest.raises(ApiException) as dup:
        core.create_namespaced_config_map(kube.namespace, {"metadata": {"name": "dup"}})
    assert dup.value.status == 409 and body_of(dup.value)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as no_ns:
        core.create_namespaced_config_map("no-such-namespace-x1", {"metadata": {"name": "x"}})
    assert no_ns.value.status == 404 and body_of(no_ns.value)["message"] == 'namespaces "no-such-namespace-x1" not found'


def test_replace_with_stale_resource_version_is_409(kube, core):
    ns = kube.namespace
    first = core.create_namespaced_config_map(ns, {"metadata": {"name": "cc"}, "data": {"v": "1"}})
    stale = copy.deepcopy(first)
    first.data = {"v": "2"}
    second = core.replace_namespaced_config_map("cc", ns, first)
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    stale.data = {"v": "3"}
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("cc", ns, stale)
    body = body_of(conflict.value)
    assert conflict.value.status == 409 and body["reason"] == "Conflict"
    assert body["message"] == ('Operation cannot be fulfilled on configmaps "cc": the object has been modified; '
                               'please apply your changes to the latest version and try again')
    assert core.read_namespaced_config_map("cc", ns).data == {"v": "2"}
    # a merge patch carrying the stale resourceVersion is a precondition too
    with pytest.raises(ApiException) as patched:
        core.patch_namespaced_config_map("cc", ns, {"metadata": {"resourceVersion": stale.metadata.resource_version},
                                                    "data": {"v": "4"}})
    assert patched.value.status == 409


def test_no_op_update_keeps_resource_version(kube, core):
    cm = core.create_namespaced_config_map(kube.namespace, {"metadata": {"name": "same"}, "data": {"a": "b"}})
    again = core.patch_namespaced_config_map("same", kube.namespace, {"data": {"a": "b"}})
    assert again.metadata.resource_version == cm.metadata.resource_version


def test_strategic_merge_merges_lists_by_name(kube, apps):
    ns = kube.namespace
    apps.create_namespaced_deployment(ns, deployment("smp"))
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "env": [{"name": "B", "value": "2"}]},
                       {"name": "sidecar", "image": "busybox:1.36"}],
        "volumes": [{"name": "scratch", "emptyDir": {}}]}}}}
    merged = apps.patch_namespaced_deployment("smp", ns, patch)
    containers = {c.name: c for c in merged.spec.template.spec.containers}
    assert set(containers) == {"web", "sidecar"}
    assert [(e.name, e.value) for e in containers["web"].env] == [("A", "1"), ("B", "2")]
    assert containers["web"].image == "nginx:1.27"
    assert merged.metadata.generation == 2
    # $patch: delete removes one element by its key
    removed = apps.patch_namespaced_deployment("smp", ns, {"spec": {"template": {"spec": {
        "containers": [{"name": "sidecar", "$patch": "delete"}]}}}})
    assert [c.name for c in removed.spec.template.spec.containers] == ["web"]
    # a JSON merge patch replaces lists wholesale
    replaced = apps.patch_namespaced_deployment("smp", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "only", "image": "busybox:1.36"}]}}}}, _content_type="application/merge-patch+json")
    assert [c.name for c in replaced.spec.template.spec.containers] == ["only"]
    # JSON patch
    jsonp = apps.patch_namespaced_deployment("smp", ns, [
        {"op": "replace", "path": "/spec/replicas", "value": 3}])
    assert jsonp.spec.replicas == 3


def test_server_side_apply_ownership_and_conflicts(kube):
    dyn = kube.dynamic_client()
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    ns = kube.namespace
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": ns},
                "data": {"owned": "by-a", "shared": "x"}}
    created = cms.server_side_apply(body=manifest, namespace=ns, field_manager="mgr-a")
    managers = {m["manager"]: m for m in created.to_dict()["metadata"]["managedFields"]}
    assert managers["mgr-a"]["operation"] == "Apply"
    assert "f:owned" in managers["mgr-a"]["fieldsV1"]["f:data"]
    # same value from another manager: shared ownership, no conflict
    cms.server_side_apply(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": ns},
                                "data": {"shared": "x"}}, namespace=ns, field_manager="mgr-b")
    # a different value for a field mgr-a owns: 409 with the FieldManagerConflict cause
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": ns},
             "data": {"owned": "by-b"}}
    with pytest.raises(kubernetes.dynamic.exceptions.ConflictError) as conflict:
        cms.server_side_apply(body=other, namespace=ns, field_manager="mgr-b")
    body = json.loads(conflict.value.body)
    assert body["reason"] == "Conflict"
    assert body["details"]["causes"][0]["reason"] == "FieldManagerConflict"
    assert body["details"]["causes"][0]["field"] == ".data.owned"
    assert 'conflict with "mgr-a"' in body["message"]
    forced = cms.server_side_apply(body=other, namespace=ns, field_manager="mgr-b", force_conflicts=True)
    assert forced.data.owned == "by-b"
    owners = {m["manager"]: m["fieldsV1"] for m in forced.to_dict()["metadata"]["managedFields"]}
    assert "f:owned" in owners["mgr-b"]["f:data"] and "f:owned" not in owners["mgr-a"].get("f:data", {})
    # a field the applier stops applying, and nobody else owns, is removed
    dropped = cms.server_side_apply(body={"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": "ssa", "namespace": ns}, "data": {"shared": "x"}},
                                    namespace=ns, field_manager="mgr-b")
    assert "owned" not in dropped.to_dict()["data"]


def test_dry_run_all_persists_nothing(kube, core):
    ns = kube.namespace
    made = core.create_namespaced_config_map(ns, {"metadata": {"name": "dry"}, "data": {"a": "1"}}, dry_run="All")
    assert made.metadata.name == "dry" and made.data == {"a": "1"}
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("dry", ns)
    assert missing.value.status == 404
    real = core.create_namespaced_config_map(ns, {"metadata": {"name": "wet"}, "data": {"a": "1"}})
    patched = core.patch_namespaced_config_map("wet", ns, {"data": {"a": "2"}}, dry_run="All")
    assert patched.data == {"a": "2"}
    core.delete_namespaced_config_map("wet", ns, dry_run="All")
    after = core.read_namespaced_config_map("wet", ns)
    assert after.data == {"a": "1"} and after.metadata.resource_version == real.metadata.resource_version


def test_watch_streams_events_and_resumes(kube, core):
    ns = kube.namespace
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    events = []

    def watch():
        w = kubernetes.watch.Watch()
        for event in w.stream(core.list_namespaced_config_map, ns, resource_version=start, timeout_seconds=10,
                              label_selector="watched=yes"):
            events.append((event["type"], event["object"].metadata.name, event["object"].metadata.resource_version))
            if event["type"] == "DELETED":
                w.stop()

    thread = threading.Thread(target=watch)
    thread.start()
    core.create_namespaced_config_map(ns, {"metadata": {"name": "w1", "labels": {"watched": "yes"}}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "other"}})
    core.patch_namespaced_config_map("w1", ns, {"data": {"x": "1"}})
    core.delete_namespaced_config_map("w1", ns)
    thread.join(15)
    assert [(t, n) for t, n, _ in events] == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    # resuming after the first event replays only what followed
    resumed = []
    w = kubernetes.watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=events[0][2], timeout_seconds=2,
                          label_selector="watched=yes"):
        resumed.append(event["type"])
        if event["type"] == "DELETED":
            w.stop()
    assert resumed == ["MODIFIED", "DELETED"]


def test_status_subresource_and_generation(kube, apps):
    ns = kube.namespace
    created = apps.create_namespaced_deployment(ns, deployment("gen"))
    assert created.metadata.generation == 1
    wait_until(lambda: (apps.read_namespaced_deployment("gen", ns).status.observed_generation or 0) == 1, 120,
               message="the Deployment to be observed")
    current = apps.read_namespaced_deployment("gen", ns)
    current.metadata.labels["extra"] = "label"
    relabelled = apps.replace_namespaced_deployment("gen", ns, current)
    assert relabelled.metadata.generation == 1       # metadata changes do not bump the generation
    relabelled.spec.replicas = 2
    scaled = apps.replace_namespaced_deployment("gen", ns, relabelled)
    assert scaled.metadata.generation == 2
    # status sent to the main resource is ignored
    patched = apps.patch_namespaced_deployment("gen", ns, {"status": {"replicas": 42}})
    assert patched.status.replicas != 42


def test_invalid_objects_are_422(kube, apps):
    bad = deployment("bad")
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(ApiException) as invalid:
        apps.create_namespaced_deployment(kube.namespace, bad)
    body = body_of(invalid.value)
    assert invalid.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["kind"] == "Deployment"
    assert any(c["field"] == "spec.template.metadata.labels" for c in body["details"]["causes"])
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "always"},
           "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}}
    with pytest.raises(ApiException) as restart:
        kubernetes.client.BatchV1Api(kube.api_client()).create_namespaced_job(kube.namespace, job)
    assert restart.value.status == 422
    assert any(c["field"] == "spec.template.spec.restartPolicy" for c in body_of(restart.value)["details"]["causes"])


def test_unauthenticated_requests_are_rejected(kube):
    client = kube.api_client()
    client.configuration.api_key = {}
    client.configuration.api_key_prefix = {}
    client.configuration.cert_file = client.configuration.key_file = None
    client.configuration.refresh_api_key_hook = None
    with pytest.raises(ApiException) as denied:
        kubernetes.client.CoreV1Api(client).list_namespaced_config_map(kube.namespace)
    assert denied.value.status in (401, 403)
    if kube.is_emulator:
        assert denied.value.status == 401 and body_of(denied.value)["reason"] == "Unauthorized"


def test_crd_established_then_custom_resources(kube):
    api = kube.api_client()
    ext = kubernetes.client.ApiextensionsV1Api(api)
    custom = kubernetes.client.CustomObjectsApi(api)
    crd = copy.deepcopy(WIDGET_CRD)
    if not kube.is_emulator:   # cluster-scoped: unique per run on a shared cluster
        crd["metadata"]["name"] = f"widgets.{kube.namespace}.test"
        crd["spec"]["group"] = f"{kube.namespace}.test"
    group = crd["spec"]["group"]
    ext.create_custom_resource_definition(crd)
    try:
        established = wait_until(lambda: [c for c in (ext.read_custom_resource_definition(
            crd["metadata"]["name"]).status.conditions or []) if c.type == "Established" and c.status == "True"], 60,
            message="the CRD to be Established")
        assert established
        widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"},
                  "spec": {"size": 2, "unknownField": True}}
        made = custom.create_namespaced_custom_object(group, "v1", kube.namespace, "widgets", widget)
        assert made["spec"] == {"size": 2, "colour": "red"}          # pruned and defaulted
        with pytest.raises(ApiException) as invalid:
            custom.create_namespaced_custom_object(group, "v1", kube.namespace, "widgets", {
                "apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "bad"},
                "spec": {"size": "big", "colour": "green"}})
        causes = {c["field"]: c["reason"] for c in body_of(invalid.value)["details"]["causes"]}
        assert invalid.value.status == 422
        assert causes["spec.size"] == "FieldValueTypeInvalid" and causes["spec.colour"] == "FieldValueNotSupported"
        patched = custom.patch_namespaced_custom_object(group, "v1", kube.namespace, "widgets", "w",
                                                        {"spec": {"tags": ["a"]}})
        assert patched["spec"]["tags"] == ["a"] and patched["metadata"]["generation"] == 2
        status = custom.patch_namespaced_custom_object_status(group, "v1", kube.namespace, "widgets", "w",
                                                              {"status": {"phase": "Ready"}})
        assert status["status"] == {"phase": "Ready"} and status["metadata"]["generation"] == 2
        listed = custom.list_namespaced_custom_object(group, "v1", kube.namespace, "widgets")
        assert listed["kind"] == "WidgetList" and listed["items"][0]["kind"] == "Widget"
    finally:
        ext.delete_custom_resource_definition(crd["metadata"]["name"])
    wait_until(lambda: _gone(lambda: ext.read_custom_resource_definition(crd["metadata"]["name"])), 60,
               message="the CRD to be deleted")


def _gone(read) -> bool:
    try:
        read()
    except ApiException as exc:
        return exc.status == 404
    return False


def test_namespace_deletion_removes_its_objects(kube):
    core = kubernetes.client.CoreV1Api(kube.api_client())
    name = kube.namespace + "-del"
    core.create_namespace({"metadata": {"name": name}})
    core.create_namespaced_config_map(name, {"metadata": {"name": "inside"}})
    core.delete_namespace(name)
    terminating = _gone(lambda: core.read_namespace(name)) or core.read_namespace(name).status.phase == "Terminating"
    assert terminating
    wait_until(lambda: _gone(lambda: core.read_namespace(name)), 120, message="the namespace to be deleted")
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("inside", name)
    assert missing.value.status == 404


def test_indexed_job_runs_to_completion(kube):
    batch = kubernetes.client.BatchV1Api(kube.api_client())
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "idx"},
           "spec": {"completions": 3, "parallelism": 2, "completionMode": "Indexed", "backoffLimitPerIndex": 1,
                    "template": {"spec": {"restartPolicy": "Never", "containers": [
                        {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "echo $JOB_COMPLETION_INDEX"]}]}}}}
    created = batch.create_namespaced_job(kube.namespace, job)
    assert created.spec.backoff_limit == 2147483647
    assert created.spec.selector.match_labels["batch.kubernetes.io/controller-uid"] == created.metadata.uid
    done = wait_until(lambda: _condition(batch.read_namespaced_job("idx", kube.namespace), "Complete"), 300,
                      interval=0.1, message="the Job to complete")
    assert done.status.succeeded == 3 and done.status.completed_indexes == "0-2"
    assert done.status.failed_indexes == "" or done.status.failed_indexes is None
    assert [c.type for c in done.status.conditions if c.status == "True"] == ["SuccessCriteriaMet", "Complete"]
    pods = kubernetes.client.CoreV1Api(kube.api_client()).list_namespaced_pod(
        kube.namespace, label_selector="job-name=idx").items
    assert sorted(p.metadata.annotations["batch.kubernetes.io/job-completion-index"] for p in pods) == ["0", "1", "2"]


def _condition(job, ctype):
    for cond in (job.status.conditions or []) if job.status else []:
        if cond.type == ctype and cond.status == "True":
            return job
    return None
