# shellcheck shell=bash
# Cinder API, step 3.
log "cinder-api"
if is_bootstrap; then db_ensure cinder cinder "${CINDER_PASSWORD}"; fi
cinder_config
if is_bootstrap; then
  as_user cinder cinder-manage db sync
  KS_USER_PASSWORD="${CINDER_PASSWORD}" ks_register cinderv3 volumev3 "OpenStack Block Storage" \
    "$(public_url 8776 '/v3/%(project_id)s')" "$(internal_url 8776 '/v3/%(project_id)s')" cinder
fi
uwsgi_processes /etc/cinder/cinder-api-uwsgi.ini "${CINDER_WORKERS:-0}"
restart_if_changed cinder-api /etc/cinder/cinder.conf /etc/cinder/cinder-api-uwsgi.ini
wait_http "http://$(local_ip):8776/" 600
