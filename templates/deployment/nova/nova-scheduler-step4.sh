# shellcheck shell=bash
# Nova scheduler, step 4.
log "nova-scheduler"
nova_config api
printf '[scheduler]\nworkers = %s\n' "$(worker_count "${NOVA_WORKERS:-0}")" | ini_merge /etc/nova/nova.conf
start_timeout nova-scheduler 600 # nova-start-timeout.sh
restart_if_changed nova-scheduler /etc/nova/nova.conf
