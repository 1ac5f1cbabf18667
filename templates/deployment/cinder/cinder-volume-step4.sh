# shellcheck shell=bash
# Cinder volume (LVM, iSCSI through tgt), step 4.
# iSCSI on the storage network with isolated networks (ServiceNetMap's CinderIscsiNetwork).
oc_iscsi_ip=$(service_ip CinderIscsiNetwork)
log "cinder-volume: LVM backend on volume group cinder-volumes, iSCSI on ${oc_iscsi_ip}"
cinder_config
cat <<INI | ini_merge /etc/cinder/cinder.conf root:cinder 0640
[DEFAULT]
enabled_backends = lvm
[lvm]
volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver
volume_group = cinder-volumes
volume_backend_name = lvm
target_protocol = iscsi
target_helper = tgtadm
target_ip_address = ${oc_iscsi_ip}
INI
restart_if_changed tgt
restart_if_changed cinder-volume /etc/cinder/cinder.conf
