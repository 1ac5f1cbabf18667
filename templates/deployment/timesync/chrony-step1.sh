# shellcheck shell=bash
# Timesync (chrony), step 1: NTP_SERVERS as chrony sources; Debian's pool stays when it is empty.
log "timesync: chrony"
oc_chrony_sources=/etc/chrony/sources.d/overcloud.sources
if [ -n "${NTP_SERVERS:-}" ]; then
  for oc_ntp in ${NTP_SERVERS//,/ }; do printf 'server %s iburst\n' "$oc_ntp"; done | put_file "$oc_chrony_sources" 0644 root:root
elif [ -e "$oc_chrony_sources" ]; then
  rm -f "$oc_chrony_sources"
  touch /etc/chrony/chrony.conf
fi
restart_if_changed chrony /etc/chrony/chrony.conf "$oc_chrony_sources"
