# shellcheck shell=bash
# Memcached, step 1.
oc_memcached_listen=127.0.0.1
if [ "$(local_ip)" != 127.0.0.1 ]; then oc_memcached_listen="127.0.0.1,$(local_ip)"; fi
log "memcached: on ${oc_memcached_listen} port 11211"
put_file /etc/memcached.conf 0644 root:root <<CONF
# Written by the overcloud deploy (step 1); do not edit.
logfile /var/log/memcached.log
-m ${MEMCACHED_MEMORY_MB:-256}
-p 11211
-u memcache
-l ${oc_memcached_listen}
-c 4096
-P /var/run/memcached/memcached.pid
CONF
restart_if_changed memcached /etc/memcached.conf
wait_port "$(local_ip)" 11211 60
