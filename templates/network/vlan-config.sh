#!/bin/bash
# The server's isolated networks as tagged VLAN interfaces on its control-plane NIC, through
# systemd-networkd (what os-net-config's vlan entries did for TripleO). Inputs:
#   CTLPLANE_IP      the server's ctlplane address: its NIC is the VLANs' parent
#   VLAN_INTERFACES  one line per network: NAME_LOWER VLAN ADDRESS/PREFIX MTU
# Files are 70-overcloud-NAME.netdev/.network plus a drop-in VLAN= list on the parent's .network, so the
# interfaces come back at boot; interfaces of networks no longer listed are removed. Applying it twice
# changes nothing. The parent is not reconfigured (its address carries the agent's connection): the VLAN
# links are created here and networkd gives them their addresses.
set -euo pipefail
dir=/etc/systemd/network
say() { echo "network-config: $*"; }

parent=$(ip -o -4 addr show | awk -v ip="$CTLPLANE_IP" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
parent=${parent%%@*}
if [ -z "$parent" ]; then
  echo "network-config: no interface holds the ctlplane address $CTLPLANE_IP" >&2
  ip -br addr >&2
  exit 1
fi
netfile=$(networkctl status "$parent" 2>/dev/null | sed -n 's/^ *Network File: //p' | head -n1)
if [ -z "$netfile" ] || [ "$netfile" = "n/a" ]; then
  echo "network-config: $parent (holding $CTLPLANE_IP) is not managed by systemd-networkd" >&2
  exit 1
fi
dropin="$dir/$(basename "$netfile").d/70-overcloud-vlans.conf"

wanted=" "
vlan_lines=""
while read -r name vlan address mtu; do
  [ -n "${name:-}" ] || continue
  ifname="vlan$vlan"
  wanted+="$ifname "
  vlan_lines+="VLAN=$ifname"$'\n'
  printf '# Written by the overcloud deploy (network %s).\n[NetDev]\nName=%s\nKind=vlan\nMTUBytes=%s\n\n[VLAN]\nId=%s\n' "$name" "$ifname" "$mtu" "$vlan" > "$dir/70-overcloud-$name.netdev.new"
  printf '# Written by the overcloud deploy (network %s).\n[Match]\nName=%s\n\n[Link]\nMTUBytes=%s\n\n[Network]\nAddress=%s\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' "$name" "$ifname" "$mtu" "$address" > "$dir/70-overcloud-$name.network.new"
done <<< "${VLAN_INTERFACES:-}"

# Networks no longer listed: their files and their links go.
for f in "$dir"/70-overcloud-*.netdev; do
  [ -e "$f" ] || continue
  old=$(sed -n 's/^Name=//p' "$f")
  name=$(basename "$f" .netdev); name=${name#70-overcloud-}
  if [ ! -e "$dir/70-overcloud-$name.netdev.new" ]; then
    rm -f "$f" "$dir/70-overcloud-$name.network"
    ip link del "$old" 2>/dev/null || true
    say "removed $old (network $name)"
  fi
done
for f in "$dir"/70-overcloud-*.new; do
  [ -e "$f" ] || continue
  mv -f "$f" "${f%.new}"
done
if [ -n "$vlan_lines" ]; then
  mkdir -p "$(dirname "$dropin")"
  printf '# Written by the overcloud deploy: the VLANs of the isolated networks.\n[Network]\n%s' "$vlan_lines" > "$dropin"
else
  rm -f "$dropin"
fi
networkctl reload

while read -r name vlan address mtu; do
  [ -n "${name:-}" ] || continue
  ifname="vlan$vlan"
  if ! ip link show "$ifname" >/dev/null 2>&1; then
    ip link add link "$parent" name "$ifname" mtu "$mtu" type vlan id "$vlan"
  fi
  ip link set "$ifname" mtu "$mtu" up
  networkctl reconfigure "$ifname" 2>/dev/null || true
  for _ in $(seq 1 60); do
    ip -o -4 addr show dev "$ifname" | grep -q " ${address} " && break
    sleep 0.5
  done
  if ! ip -o -4 addr show dev "$ifname" | grep -q " ${address} "; then
    echo "network-config: $ifname (network $name) did not get $address in 30 s" >&2
    networkctl status "$ifname" >&2 || true
    exit 1
  fi
  say "$ifname (network $name, VLAN $vlan on $parent): $address, MTU $mtu"
done <<< "${VLAN_INTERFACES:-}"
