# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPN: a route-based gateway in ``GatewaySubnet`` for point-to-site clients (Entra ID and/or a root
certificate) and site-to-site IPsec connections. Shared keys come from the task's ``secret_values`` (no_log),
never from the resource list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import ref


def site_key(name):
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def shared_key_name(site):
    return "vpn-site-%s" % site_key(site["name"])


def secret_values(sites):
    """The site-to-site shared keys of the inventory's ``vpn_site_connections``, for the task's no_log
    ``secret_values`` (the settings never hold them)."""
    return dict((shared_key_name(site), site.get("shared_key")) for site in sites or []
                if isinstance(site, dict) and site.get("name"))


def add(b):
    s = b.s
    name = b.names["vpn_gateway"]
    pip_id = b.arm("vpn_public_ip", "Microsoft.Network/publicIPAddresses", "pip-%s" % name, {
        "sku": {"name": "Standard", "tier": "Regional"},
        "zones": [str(z) for z in s["vpn_public_ip_zones"]],
        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
    }, immutable=["zones"])
    client = {"vpnClientAddressPool": {"addressPrefixes": [s["vpn_client_address_pool"]]}}
    protocols, auth = ["OpenVPN"], []
    cert = s["vpn_root_certificate"]
    if cert:
        auth.append("Certificate")
        protocols.append("IkeV2")
        client["vpnClientRootCertificates"] = [{"name": cert.get("name") or "RoboticsVPNRootCert",
                                                "properties": {"publicCertData": cert["public_cert_data"]}}]
        if s["vpn_revoked_certificates"]:
            client["vpnClientRevokedCertificates"] = [{"name": c["name"], "properties": {"thumbprint": c["thumbprint"]}}
                                                      for c in s["vpn_revoked_certificates"]]
    if s["vpn_entra_auth_enabled"]:
        auth.append("AAD")
        client.update(aadTenant=ref("caller", "tenant_id", "https://login.microsoftonline.com/{}/"),
                      aadIssuer=ref("caller", "tenant_id", "https://sts.windows.net/{}/"),
                      aadAudience=s["vpn_entra_audience"])
    client.update(vpnClientProtocols=protocols if cert else ["OpenVPN"], vpnAuthenticationTypes=auth)
    gateway_id = b.arm("vpn_gateway", "Microsoft.Network/virtualNetworkGateways", name, {"properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": False, "activeActive": False,
        "sku": {"name": s["vpn_gateway_sku"], "tier": s["vpn_gateway_sku"]},
        "vpnGatewayGeneration": s["vpn_gateway_generation"],
        "ipConfigurations": [{"name": "default", "properties": {
            "privateIPAllocationMethod": "Dynamic", "subnet": {"id": b.subnet_id("gateway")},
            "publicIPAddress": {"id": pip_id}}}],
        "vpnClientConfiguration": client,
    }}, depends_on=["vnet", "vpn_public_ip"], description="VPN gateway (point-to-site, site-to-site)")
    for site in s["vpn_site_connections"] or []:
        key = site_key(site["name"])
        local_id = b.arm("vpn_site_%s" % key, "Microsoft.Network/localNetworkGateways", "lgw-%s-%s" % (key, b.suffix), {
            "properties": {"gatewayIpAddress": site["gateway_address"],
                           "localNetworkAddressSpace": {"addressPrefixes": list(site["address_spaces"])}}})
        connection = {"connectionType": "IPsec", "connectionProtocol": "IKEv2",
                      "virtualNetworkGateway1": {"id": gateway_id, "properties": {}},
                      "localNetworkGateway2": {"id": local_id, "properties": {}},
                      "sharedKey": {"secret_value": shared_key_name(site)}}
        if site.get("ipsec_policy"):
            connection["ipsecPolicies"] = [site["ipsec_policy"]]
        b.arm("vpn_connection_%s" % key, "Microsoft.Network/connections", "cn-%s-%s" % (key, b.suffix),
              {"properties": connection}, depends_on=["vpn_gateway", "vpn_site_%s" % key])
