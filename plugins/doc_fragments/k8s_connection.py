# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of modules that use the kubernetes client directly
    # (module_utils/k8s/connection.py K8S_CONNECTION_ARGS); names as in kubernetes.core.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig itself as a mapping.
      - Without it, and without O(host) and O(api_key), the in-cluster service account is used when running in a
        pod, else C(~/.kube/config) (or E(KUBECONFIG)).
      - Can be set with E(K8S_AUTH_KUBECONFIG).
    type: raw
  context:
    description:
      - Context of the kubeconfig to use. Can be set with E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - URL of the API server. Can be set with E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - Bearer token for the API server, for example an Entra token for an AKS cluster with Entra ID integration.
      - Never logged. Can be set with E(K8S_AUTH_API_KEY).
    type: str
  ca_cert:
    description:
      - CA bundle to verify the API server's certificate. Can be set with E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Client certificate for mutual TLS. Can be set with E(K8S_AUTH_CERT_FILE).
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Key of O(client_cert). Can be set with E(K8S_AUTH_KEY_FILE).
    type: path
    aliases: [key_file]
  validate_certs:
    description:
      - Verify the API server's certificate. Defaults to the kubeconfig's setting (verification on).
      - Turning it off is reported with a warning. Can be set with E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
requirements:
  - kubernetes >= 24.2.0
"""
