# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A typed ``kubernetes`` API client from the connection options kubernetes.core modules use.

The option names and K8S_AUTH_* variables are kubernetes.core's, so one ``module_defaults`` block (or one set of
environment variables) serves both kinds of module. No discovery requests are made: callers use the typed APIs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

K8S_CONNECTION_ARGS = dict(
    kubeconfig=dict(type="raw", no_log=True, fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
    host=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_HOST"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_API_KEY"])),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=(env_fallback, ["K8S_AUTH_SSL_CA_CERT"])),
    client_cert=dict(type="path", aliases=["cert_file"], fallback=(env_fallback, ["K8S_AUTH_CERT_FILE"])),
    client_key=dict(type="path", aliases=["key_file"], no_log=False,
                    fallback=(env_fallback, ["K8S_AUTH_KEY_FILE"])),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=(env_fallback, ["K8S_AUTH_VERIFY_SSL"])),
)


class KubeConnectionError(Exception):
    """No usable cluster credentials; the message says which options to set."""


def api_client(params, user_agent, warn=None):
    """kubernetes.client.ApiClient for ``params`` (the K8S_CONNECTION_ARGS options)."""
    import kubernetes  # lazy: only modules that talk to a cluster pay for the import

    configuration = kubernetes.client.Configuration()
    kubeconfig = params.get("kubeconfig")
    try:
        if params.get("host") and params.get("api_key") and not kubeconfig:
            configuration.host = params["host"].rstrip("/")
        elif isinstance(kubeconfig, dict):
            kubernetes.config.load_kube_config_from_dict(kubeconfig, context=params.get("context"),
                                                         client_configuration=configuration)
        elif kubeconfig or params.get("context"):
            kubernetes.config.load_kube_config(config_file=kubeconfig, context=params.get("context"),
                                               client_configuration=configuration)
        else:
            try:
                kubernetes.config.load_incluster_config(client_configuration=configuration)
            except kubernetes.config.ConfigException:
                kubernetes.config.load_kube_config(client_configuration=configuration)
    except (kubernetes.config.ConfigException, OSError, TypeError, ValueError) as exc:
        raise KubeConnectionError("cannot configure access to the Kubernetes API (%s): set kubeconfig (or "
                               "K8S_AUTH_KUBECONFIG), or host and api_key" % exc)
    if params.get("host"):
        configuration.host = params["host"].rstrip("/")
    if params.get("api_key"):
        configuration.api_key = {"authorization": "Bearer " + params["api_key"]}
        configuration.api_key_prefix = {}
    if params.get("ca_cert"):
        configuration.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        configuration.cert_file = params["client_cert"]
    if params.get("client_key"):
        configuration.key_file = params["client_key"]
    if params.get("validate_certs") is False:
        configuration.verify_ssl = False
        if warn:
            warn("validate_certs=false: the API server's certificate is not verified")
    client = kubernetes.client.ApiClient(configuration)
    client.user_agent = user_agent
    return client
