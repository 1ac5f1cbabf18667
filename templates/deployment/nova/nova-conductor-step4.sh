# shellcheck shell=bash
# Nova conductor, step 4.
log "nova-conductor"
nova_config api
restart_if_changed nova-conductor /etc/nova/nova.conf
