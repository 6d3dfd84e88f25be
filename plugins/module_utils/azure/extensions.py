# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes cluster extensions: what ``az k8s-extension create`` adds for the AzureML extension.

Pure Python. The az CLI's AzureML handler injects settings, forces the release
namespace and a system-assigned identity; an SDK caller must do the same or the
extension comes up half-configured. User settings always win over injected ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

AZUREML_EXTENSION_TYPE = "Microsoft.AzureML.Kubernetes"
AZUREML_NAMESPACE = "azureml"
INFERENCE_ROUTER_SERVICE_TYPES = ("loadBalancer", "nodePort", "clusterIP")


def is_true(value):
    return str(value).strip().lower() in ("true", "1", "yes")


def stringify(settings):
    """Extension settings are strings; booleans become ``true``/``false``."""
    result = {}
    for key, value in (settings or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        result[str(key)] = value if value is None else str(value)
    return result


def azureml_problems(extension_type, scope, release_namespace, settings, protected, version, auto_upgrade):
    """Why the AzureML options cannot work (the CLI refuses the same), as messages naming the option."""
    problems = []
    if (extension_type or "").lower() != AZUREML_EXTENSION_TYPE.lower():
        problems.append("azureml_defaults=true needs extension_type=%s" % AZUREML_EXTENSION_TYPE)
    if scope != "cluster":
        problems.append("the AzureML extension is cluster-scoped: scope must be cluster")
    if release_namespace not in (None, AZUREML_NAMESPACE):
        problems.append("the AzureML extension always installs into namespace %s, not release_namespace=%s"
                        % (AZUREML_NAMESPACE, release_namespace))
    training = is_true(settings.get("enableTraining", "false"))
    inference = is_true(settings.get("enableInference", "false"))
    if not training and not inference:
        problems.append("configuration_settings must turn on enableTraining or enableInference (or both)")
    if inference:
        service = settings.get("inferenceRouterServiceType")
        if service not in INFERENCE_ROUTER_SERVICE_TYPES:
            problems.append("configuration_settings.inferenceRouterServiceType must be one of %s with enableInference"
                            % ", ".join(INFERENCE_ROUTER_SERVICE_TYPES))
        secure = any(k in settings for k in ("sslSecret",)) or all(
            k in (protected or {}) for k in ("sslCertPemFile", "sslKeyPemFile"))
        if not is_true(settings.get("allowInsecureConnections", "false")) and not secure:
            problems.append("enableInference needs allowInsecureConnections=true, sslSecret, or the protected "
                            "sslCertPemFile and sslKeyPemFile")
    if version and auto_upgrade:
        problems.append("a pinned version needs auto_upgrade_minor_version=false")
    return problems


def azureml_injected(cluster_id, cluster_name, location, settings):
    """The settings the CLI injects, for every run (stable: they depend only on the cluster)."""
    injected = {
        "clusterId": cluster_id,
        "cluster_name": cluster_id,
        "prometheus.prometheusSpec.externalLabels.cluster_name": cluster_id,
        "cluster_name_friendly": cluster_name,
        "domain": "%s.cloudapp.azure.com" % location,
        "location": location,
        "jobSchedulerLocation": location,
        "servicebus.enabled": "false",
        "relayserver.enabled": "false",
        "nginxIngress.enabled": "true",
    }
    if is_true(settings.get("enableInference", "false")):
        service = settings.get("inferenceRouterServiceType")
        if service == "nodePort":
            injected["scoringFe.serviceType.nodePort"] = "true"
        elif service == "loadBalancer" and settings.get("internalLoadBalancerProvider"):
            injected["scoringFe.serviceType.internalLoadBalancer"] = settings["internalLoadBalancerProvider"]
    return injected


def azureml_create_only(node_count, settings):
    """Settings the CLI derives at install time from the cluster's current size (not re-derived later)."""
    if node_count is not None and node_count < 3:
        return {"clusterPurpose": "DevTest", "inferenceRouterHA": "false"}
    return {}


def with_defaults(defaults, settings):
    merged = dict(defaults)
    merged.update(settings)
    return merged
