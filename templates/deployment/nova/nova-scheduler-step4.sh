# shellcheck shell=bash
# Nova scheduler, step 4.
log "nova-scheduler"
nova_config api
restart_if_changed nova-scheduler /etc/nova/nova.conf
