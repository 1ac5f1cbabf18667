# shellcheck shell=bash
# Glance API, step 3.
log "glance-api"
oc_glance_conf=/etc/glance/glance-api.conf
if is_bootstrap; then db_ensure glance glance "${GLANCE_PASSWORD}"; fi
{
  cat <<INI
[DEFAULT]
enabled_backends = fs:file
[database]
connection = $(db_url glance glance "${GLANCE_PASSWORD}")
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = /var/lib/glance/images/
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = /var/lib/glance/tmp
INI
  authtoken_ini glance "${GLANCE_PASSWORD}"
} | ini_merge "$oc_glance_conf" root:glance 0640
install -d -o glance -g glance /var/lib/glance/images /var/lib/glance/tmp
if is_bootstrap; then
  as_user glance glance-manage db_sync
  KS_USER_PASSWORD="${GLANCE_PASSWORD}" ks_register glance image "OpenStack Image" "$(public_url 9292)" "$(internal_url 9292)" glance
fi
uwsgi_processes /etc/glance/glance-api-uwsgi.ini "${GLANCE_WORKERS:-0}"
restart_if_changed glance-api "$oc_glance_conf" /etc/glance/glance-api-uwsgi.ini
wait_http "http://$(local_ip):9292/" 600
