# shellcheck shell=bash
# Nova's shared configuration, defined once per step script (role-config.yaml drops repeated
# fragments) and called by each nova fragment. nova_config api: a node with database access (the
# Controllers); nova_config compute: a compute node (no database connection at all).
nova_config() {
  local kind=$1
  {
    cat <<INI
[DEFAULT]
transport_url = $(rabbit_url)
my_ip = $(local_ip)
state_path = /var/lib/nova
[api]
auth_strategy = keystone
[glance]
api_servers = $(internal_url 9292)
[oslo_concurrency]
lock_path = /var/lib/nova/tmp
[vnc]
enabled = false
[cinder]
os_region_name = ${REGION}
[scheduler]
discover_hosts_in_cells_interval = 300
INI
    service_auth_ini placement placement "${PLACEMENT_PASSWORD}"
    if service_enabled neutron_api; then service_auth_ini neutron neutron "${NEUTRON_PASSWORD}"; fi
    service_auth_ini service_user nova "${NOVA_PASSWORD}"
    printf 'send_service_user_token = true\n'
    if [ "$kind" = api ]; then
      printf '[api_database]\nconnection = %s\n' "$(db_url nova_api nova "${NOVA_PASSWORD}")"
      printf '[database]\nconnection = %s\n' "$(db_url nova nova "${NOVA_PASSWORD}")"
      authtoken_ini nova "${NOVA_PASSWORD}"
    fi
  } | ini_merge /etc/nova/nova.conf root:nova 0640
  if [ "$kind" = compute ]; then
    ini_del /etc/nova/nova.conf database connection
    ini_del /etc/nova/nova.conf api_database connection
  fi
}
