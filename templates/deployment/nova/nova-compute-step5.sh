# shellcheck shell=bash
# Nova compute, step 5: wait until this host's nova-compute is up, then map it to cell1.
oc_compute_host=$(hostname)
log "nova-compute: waiting for ${oc_compute_host} to report up"
os_admin
nova_compute_up() {
  [ "$(openstack compute service list --service nova-compute --host "$oc_compute_host" -f value -c State 2>/dev/null)" = up ]
}
retry 60 5 nova_compute_up || die "nova-compute on ${oc_compute_host} did not report up"
# discover_hosts reads the cell mappings from the API database: a file only root and nova can read
# gives this node that one connection, for this command only.
printf '[api_database]\nconnection = %s\n' "$(db_url nova_api nova "${NOVA_PASSWORD}")" |
  put_file /etc/nova/nova-cell-discover.conf 0640 root:nova
nova_host_mapped() {
  local hosts
  as_user nova nova-manage --config-file /etc/nova/nova.conf --config-file /etc/nova/nova-cell-discover.conf \
    cell_v2 discover_hosts >/dev/null || return 1
  hosts=$(as_user nova nova-manage --config-file /etc/nova/nova.conf --config-file /etc/nova/nova-cell-discover.conf \
    cell_v2 list_hosts) || return 1
  grep -qw -- "$oc_compute_host" <<<"$hosts"
}
retry 30 5 nova_host_mapped || die "${oc_compute_host} was not mapped to a cell"
log "nova-compute: ${oc_compute_host} is up and mapped to cell1"
