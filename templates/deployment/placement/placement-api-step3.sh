# shellcheck shell=bash
# Placement API, step 3.
log "placement-api"
oc_placement_conf=/etc/placement/placement.conf
if is_bootstrap; then db_ensure placement placement "${PLACEMENT_PASSWORD}"; fi
{
  cat <<INI
[placement_database]
connection = $(db_url placement placement "${PLACEMENT_PASSWORD}")
[api]
auth_strategy = keystone
INI
  authtoken_ini placement "${PLACEMENT_PASSWORD}"
} | ini_merge "$oc_placement_conf" root:placement 0640
if is_bootstrap; then
  as_user placement placement-manage db sync
  KS_USER_PASSWORD="${PLACEMENT_PASSWORD}" ks_register placement placement "Placement API" "$(public_url 8778)" "$(internal_url 8778)" placement
fi
uwsgi_processes /etc/placement/placement-api-uwsgi.ini "${PLACEMENT_WORKERS:-0}"
restart_if_changed placement-api "$oc_placement_conf" /etc/placement/placement-api-uwsgi.ini
wait_http "http://$(local_ip):8778/" 600
