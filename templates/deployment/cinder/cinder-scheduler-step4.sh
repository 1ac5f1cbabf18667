# shellcheck shell=bash
# Cinder scheduler, step 4.
log "cinder-scheduler"
cinder_config
restart_if_changed cinder-scheduler /etc/cinder/cinder.conf
