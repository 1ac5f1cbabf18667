# shellcheck shell=bash
# Swift storage, step 4.
# On the storage management network with isolated networks (ServiceNetMap's SwiftStorageNetwork); the
# rings list every Storage node's address there (SWIFT_STORAGE_IPS).
oc_swift_ip=$(service_ip SwiftStorageNetwork)
log "swift-storage: account 6202, container 6201, object 6200 on ${oc_swift_ip}"
install -d -o swift -g swift /srv/node/d1 /var/cache/swift
mkdir -p /etc/swift
put_file /etc/swift/swift.conf 0640 root:swift <<CONF
# Written by the overcloud deploy (step 4); do not edit.
[swift-hash]
swift_hash_path_suffix = ${SWIFT_HASH_SUFFIX}
[storage-policy:0]
name = Policy-0
default = yes
CONF
for oc_ring in account:6202 container:6201 object:6200; do
  printf '[DEFAULT]\nbind_ip = %s\nbind_port = %s\ndevices = /srv/node\nmount_check = false\n[filter:recon]\nrecon_cache_path = /var/cache/swift\n' \
    "$oc_swift_ip" "${oc_ring#*:}" | ini_merge "/etc/swift/${oc_ring%%:*}-server.conf" root:swift 0640
done

# The rings: rebuilt when the Storage nodes, the partition power or the replica count change.
# shellcheck disable=SC2086 # one word per address
oc_storage_ips=$(printf '%s\n' ${SWIFT_STORAGE_IPS//,/ } | sort -V | tr '\n' ' ')
[ -n "${oc_storage_ips// /}" ] || oc_storage_ips=$oc_swift_ip
oc_ring_id=$(printf '%s|%s|%s' "$oc_storage_ips" "${SWIFT_PART_POWER:-10}" "${SWIFT_REPLICAS:-3}" | sha256sum | cut -c1-16)
if [ "$(cat /etc/swift/.overcloud-rings 2>/dev/null || true)" != "$oc_ring_id" ] || [ ! -s /etc/swift/object.ring.gz ]; then
  oc_count=$(wc -w <<<"$oc_storage_ips")
  oc_replicas=${SWIFT_REPLICAS:-3}
  [ "$oc_replicas" -le "$oc_count" ] || oc_replicas=$oc_count
  log "swift-storage: building the rings (${oc_count} node(s), ${oc_replicas} replica(s))"
  oc_ring_dir=$(mktemp -d)
  for oc_ring in account:6202 container:6201 object:6200; do
    oc_builder="$oc_ring_dir/${oc_ring%%:*}.builder"
    swift-ring-builder "$oc_builder" create "${SWIFT_PART_POWER:-10}" "$oc_replicas" 1 >/dev/null
    oc_zone=1
    for oc_ip in $oc_storage_ips; do
      swift-ring-builder "$oc_builder" add --region 1 --zone "$oc_zone" --ip "$oc_ip" --port "${oc_ring#*:}" \
        --device d1 --weight 100 >/dev/null
      oc_zone=$((oc_zone + 1))
    done
    # Exit status 1 is a warning (e.g. the ring is not perfectly balanced); 2 is an error.
    oc_rc=0
    swift-ring-builder "$oc_builder" rebalance --seed 1 >/dev/null || oc_rc=$?
    [ "$oc_rc" -le 1 ] || die "swift-ring-builder rebalance ${oc_ring%%:*} failed ($oc_rc)"
    install -m 0640 -o root -g swift "$oc_ring_dir/${oc_ring%%:*}.ring.gz" /etc/swift/
  done
  rm -rf "$oc_ring_dir"
  printf '%s\n' "$oc_ring_id" >/etc/swift/.overcloud-rings
fi

put_file /etc/rsyncd.conf 0644 root:root <<CONF
# Written by the overcloud deploy (step 4): Swift replication.
uid = swift
gid = swift
log file = /var/log/rsyncd.log
pid file = /var/run/rsyncd.pid
address = ${oc_swift_ip}
[account]
max connections = 2
path = /srv/node/
read only = false
lock file = /var/lock/account.lock
[container]
max connections = 2
path = /srv/node/
read only = false
lock file = /var/lock/container.lock
[object]
max connections = 2
path = /srv/node/
read only = false
lock file = /var/lock/object.lock
CONF
restart_if_changed rsync /etc/rsyncd.conf

for oc_unit in swift-account swift-account-auditor swift-account-reaper swift-account-replicator \
  swift-container swift-container-auditor swift-container-replicator swift-container-updater \
  swift-object swift-object-auditor swift-object-replicator swift-object-updater; do
  oc_kind=${oc_unit#swift-}
  oc_kind=${oc_kind%%-*}
  restart_if_changed "$oc_unit" /etc/swift/swift.conf "/etc/swift/${oc_kind}-server.conf" "/etc/swift/${oc_kind}.ring.gz"
done
for oc_port in 6202 6201 6200; do
  retry 30 2 curl -fsS -o /dev/null "http://${oc_swift_ip}:${oc_port}/healthcheck" || die "swift on port ${oc_port} is not healthy"
done
