# shellcheck shell=bash
# Cinder's shared configuration (cinder.conf), for the API, the scheduler and the volume service.
cinder_config() {
  {
    cat <<INI
[DEFAULT]
transport_url = $(rabbit_url)
auth_strategy = keystone
my_ip = $(local_ip)
glance_api_servers = $(internal_url 9292)
state_path = /var/lib/cinder
[database]
connection = $(db_url cinder cinder "${CINDER_PASSWORD}")
[oslo_concurrency]
lock_path = /var/lib/cinder/tmp
INI
    authtoken_ini cinder "${CINDER_PASSWORD}"
  } | ini_merge /etc/cinder/cinder.conf root:cinder 0640
}
