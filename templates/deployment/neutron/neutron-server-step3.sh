# shellcheck shell=bash
# Neutron server (ML2, linuxbridge), step 3.
log "neutron-server: ML2 with linuxbridge"
if is_bootstrap; then db_ensure neutron neutron "${NEUTRON_PASSWORD}"; fi
neutron_config
{
  cat <<INI
[DEFAULT]
rpc_workers = $(worker_count "${NEUTRON_WORKERS:-0}")
service_plugins = router
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[database]
connection = $(db_url neutron neutron "${NEUTRON_PASSWORD}")
INI
  authtoken_ini neutron "${NEUTRON_PASSWORD}"
  service_auth_ini nova nova "${NOVA_PASSWORD}"
} | ini_merge /etc/neutron/neutron.conf root:neutron 0640
if is_bootstrap; then
  log "neutron-server: neutron-db-manage upgrade head"
  as_user neutron neutron-db-manage --config-file /etc/neutron/neutron.conf \
    --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade head
  KS_USER_PASSWORD="${NEUTRON_PASSWORD}" ks_register neutron network "OpenStack Networking" "$(public_url 9696)" "$(internal_url 9696)" neutron
fi
uwsgi_processes /etc/neutron/neutron-api-uwsgi.ini "${NEUTRON_WORKERS:-0}"
restart_if_changed neutron-api /etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini /etc/neutron/neutron-api-uwsgi.ini
restart_if_changed neutron-rpc-server /etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini
wait_http "http://$(local_ip):9696/" 600
