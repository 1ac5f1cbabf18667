# shellcheck shell=bash
# Step 0 on every node, before the services' own step 0 fragments: /etc/hosts for the whole overcloud
# (HOSTS_ENTRIES: "address fqdn shortname" lines from network/ctlplane.yaml), so every node resolves
# every other by name (RabbitMQ and nova-compute use the host name).
log "host prep: /etc/hosts"
oc_hosts=$(mktemp)
sed '/^# BEGIN overcloud/,/^# END overcloud/d' /etc/hosts >"$oc_hosts"
{
  echo '# BEGIN overcloud (written by the overcloud deploy, step 0; do not edit)'
  if [ -n "${HOSTS_ENTRIES:-}" ]; then printf '%s\n' "$HOSTS_ENTRIES"; fi
  # A node whose own name is not in the list (a scaled-down member) still resolves itself.
  if ! grep -qw -- "$(hostname -s)" <<<"${HOSTS_ENTRIES:-}"; then printf '127.0.1.1 %s\n' "$(hostname -s)"; fi
  echo '# END overcloud'
} >>"$oc_hosts"
put_file /etc/hosts 0644 root:root <"$oc_hosts"
rm -f "$oc_hosts"
# A deploy without isolated networks (no -n) after one with them: their VLANs go (ISOLATED_NETWORKS, the
# deploy's networks, is an input only with -n; with it, each server's NetworkDeployment keeps them).
if [ -z "${ISOLATED_NETWORKS:-}" ]; then remove_isolated_networks; fi
mkdir -p /var/log/overcloud
