# shellcheck shell=bash
# Nova conductor, step 4.
log "nova-conductor"
nova_config api
printf '[conductor]\nworkers = %s\n' "$(worker_count "${NOVA_WORKERS:-0}")" | ini_merge /etc/nova/nova.conf
start_timeout nova-conductor 600 # nova-start-timeout.sh
restart_if_changed nova-conductor /etc/nova/nova.conf
