# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network: one shared NSG, the NAT gateway and its public IP, the VNet with every subnet, the DNS resolver.

The subnets are part of the VNet's own body (one PUT; separate subnet PUTs on one VNet are serialised by Azure
anyway). Every subnet but ``GatewaySubnet`` gets the NSG; the main, VM, AKS and node-pool subnets get the NAT
gateway (``defaultOutboundAccess`` off when they do). With private endpoints a private DNS resolver's inbound
endpoint takes a fixed address (the subnet's first usable one) and the VNet's DNS servers point at it, so VPN
clients resolve the private zones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def add(b):
    s, n = b.s, b.names
    nsg_id = b.arm("nsg", "Microsoft.Network/networkSecurityGroups", n["network_security_group"],
                   {"properties": {"securityRules": []}}, description="shared network security group")
    deps = ["nsg"]
    nat_id = None
    if s["nat_gateway_enabled"]:
        pip_id = b.arm("nat_public_ip", "Microsoft.Network/publicIPAddresses", n["nat_public_ip"], {
            "sku": {"name": "Standard", "tier": "Regional"},
            "zones": [str(z) for z in s["nat_gateway_zones"]],
            "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
        }, outputs={"ip_address": "resource.properties.ipAddress"}, immutable=["zones"])
        nat_id = b.arm("nat_gateway", "Microsoft.Network/natGateways", n["nat_gateway"], {
            "sku": {"name": "Standard"},
            "zones": [str(z) for z in s["nat_gateway_zones"]],
            "properties": {"idleTimeoutInMinutes": 10, "publicIpAddresses": [{"id": pip_id}]},
        }, depends_on=["nat_public_ip"], immutable=["zones"])
        deps.append("nat_gateway")

    subnets = []
    for subnet in s["subnets"]:
        props = {}
        if len(subnet["prefixes"]) == 1:
            props["addressPrefix"] = subnet["prefixes"][0]
        else:
            props["addressPrefixes"] = list(subnet["prefixes"])
        if subnet["nsg"]:
            props["networkSecurityGroup"] = {"id": nsg_id}
        if subnet.get("nat") and nat_id:
            props["natGateway"] = {"id": nat_id}
            props["defaultOutboundAccess"] = False
        if subnet.get("delegation"):
            props["delegations"] = [{"name": subnet["delegation"].replace("/", "."),
                                     "properties": {"serviceName": subnet["delegation"]}}]
        if subnet.get("private_endpoints"):
            props["privateEndpointNetworkPolicies"] = "Disabled"
        subnets.append({"name": subnet["name"], "properties": props})
    vnet_props = {"addressSpace": {"addressPrefixes": list(s["vnet_address_space"])}, "subnets": subnets}
    if s["dns_resolver_enabled"]:
        vnet_props["dhcpOptions"] = {"dnsServers": [s["dns_resolver_ip"]]}
    vnet_id = b.arm("vnet", "Microsoft.Network/virtualNetworks", n["virtual_network"], {"properties": vnet_props},
                    depends_on=deps, description="virtual network and its subnets")

    if s["dns_resolver_enabled"]:
        b.arm("dns_resolver", "Microsoft.Network/dnsResolvers", n["dns_resolver"],
              {"properties": {"virtualNetwork": {"id": vnet_id}}}, depends_on=["vnet"])
        b.arm("dns_resolver_inbound", "Microsoft.Network/dnsResolvers/inboundEndpoints", (n["dns_resolver"], "inbound"),
              {"location": b.location, "properties": {"ipConfigurations": [{
                  "subnet": {"id": b.subnet_id("dns_resolver")},
                  "privateIpAllocationMethod": "Static",
                  "privateIpAddress": s["dns_resolver_ip"],
              }]}}, depends_on=["dns_resolver"], description="inbound endpoint (the VNet's DNS server)")


def network_ready(b):
    """What a resource placed in the VNet waits for: the VNet and, when the VNet's DNS server is the resolver,
    its inbound endpoint (nodes booting before it would not resolve anything)."""
    deps = ["vnet"]
    if b.s["dns_resolver_enabled"]:
        deps.append("dns_resolver_inbound")
    return deps
