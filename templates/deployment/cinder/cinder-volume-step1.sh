# shellcheck shell=bash
# Cinder volume, step 1: the cinder-volumes LVM volume group.
oc_vg=cinder-volumes
oc_loop_file=/var/lib/cinder/cinder-volumes.img
if [ -z "${CINDER_LVM_DEVICES:-}" ]; then
  # The loop file is attached at every boot, before LVM activates the group.
  put_file /etc/systemd/system/cinder-volumes-loop.service 0644 root:root <<UNIT
[Unit]
Description=Loop device backing the cinder-volumes LVM volume group (overcloud deploy)
DefaultDependencies=no
After=local-fs.target
Before=cinder-volume.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'losetup -j ${oc_loop_file} | grep -q . || losetup -f ${oc_loop_file}; vgchange -ay ${oc_vg} || true'
[Install]
WantedBy=multi-user.target
UNIT
  install -d -m 0750 /var/lib/cinder
  if [ ! -e "$oc_loop_file" ]; then
    log "cinder-volume: ${CINDER_LVM_LOOP_SIZE_GB:-10} GiB loop file ${oc_loop_file}"
    truncate -s "${CINDER_LVM_LOOP_SIZE_GB:-10}G" "$oc_loop_file"
  fi
  systemctl daemon-reload
  restart_if_changed cinder-volumes-loop /etc/systemd/system/cinder-volumes-loop.service
  oc_pvs=$(losetup -j "$oc_loop_file" | cut -d: -f1 | head -n1)
  [ -n "$oc_pvs" ] || die "the loop device for $oc_loop_file is not attached"
else
  oc_pvs=${CINDER_LVM_DEVICES//,/ }
fi
if vgs "$oc_vg" >/dev/null 2>&1; then
  log "cinder-volume: volume group $oc_vg exists"
else
  log "cinder-volume: creating volume group $oc_vg on $oc_pvs"
  # shellcheck disable=SC2086 # one word per device
  pvcreate -y $oc_pvs
  # shellcheck disable=SC2086
  vgcreate "$oc_vg" $oc_pvs
fi
