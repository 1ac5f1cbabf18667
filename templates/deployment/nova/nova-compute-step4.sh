# shellcheck shell=bash
# Nova compute (libvirt), step 4.
log "nova-compute: libvirt, virt_type ${NOVA_VIRT_TYPE:-qemu}"
nova_config compute
printf '[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n[libvirt]\nvirt_type = %s\n' "${NOVA_VIRT_TYPE:-qemu}" |
  ini_merge /etc/nova/nova-compute.conf root:nova 0640
if ! grep -qw libvirt <<<"$(id -nG nova)"; then usermod -a -G libvirt nova; fi
restart_if_changed libvirtd
start_timeout nova-compute 600 # nova-start-timeout.sh
restart_if_changed nova-compute /etc/nova/nova.conf /etc/nova/nova-compute.conf
