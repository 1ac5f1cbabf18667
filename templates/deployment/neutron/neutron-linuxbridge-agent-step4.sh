# shellcheck shell=bash
# Neutron linuxbridge agent, step 4.
# VXLAN tunnels on the tenant network with isolated networks (ServiceNetMap's NeutronTenantNetwork).
oc_tunnel_ip=$(service_ip NeutronTenantNetwork)
log "neutron-linuxbridge-agent: VXLAN from ${oc_tunnel_ip}"
neutron_config
cat <<INI | ini_merge /etc/neutron/plugins/ml2/linuxbridge_agent.ini root:neutron 0640
[linux_bridge]
physical_interface_mappings = ${NEUTRON_PHYSICAL_INTERFACE_MAPPINGS:-}
[vxlan]
enable_vxlan = true
local_ip = ${oc_tunnel_ip}
l2_population = true
[securitygroup]
enable_security_group = true
firewall_driver = iptables
INI
# Security groups filter bridged traffic through iptables.
printf 'br_netfilter\n' | put_file /etc/modules-load.d/overcloud-br_netfilter.conf 0644 root:root
printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n' |
  put_file /etc/sysctl.d/90-overcloud-bridge.conf 0644 root:root
if modprobe br_netfilter 2>/dev/null; then
  sysctl -q -p /etc/sysctl.d/90-overcloud-bridge.conf
else
  log "WARNING: br_netfilter is not available; security groups will not filter bridged traffic"
fi
restart_if_changed neutron-linuxbridge-agent /etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini \
  /etc/neutron/plugins/ml2/linuxbridge_agent.ini
