# shellcheck shell=bash
# Neutron's shared configuration: neutron.conf basics and the ML2 plugin (linuxbridge, VXLAN tenant
# networks, flat and VLAN provider networks), for the server and the agents.
neutron_config() {
  cat <<INI | ini_merge /etc/neutron/neutron.conf root:neutron 0640
[DEFAULT]
core_plugin = ml2
transport_url = $(rabbit_url)
auth_strategy = keystone
[oslo_concurrency]
lock_path = /var/lib/neutron/tmp
INI
  cat <<INI | ini_merge /etc/neutron/plugins/ml2/ml2_conf.ini root:neutron 0640
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = linuxbridge,l2population
extension_drivers = port_security
[ml2_type_flat]
flat_networks = ${NEUTRON_FLAT_NETWORKS:-provider}
[ml2_type_vlan]
network_vlan_ranges = ${NEUTRON_NETWORK_VLAN_RANGES:-provider}
[ml2_type_vxlan]
vni_ranges = ${NEUTRON_VNI_RANGES:-1:1000}
[securitygroup]
enable_ipset = true
[experimental]
linuxbridge = true
INI
}
