#!/bin/bash
# The server's isolated networks as tagged VLAN interfaces on its control-plane NIC, through
# systemd-networkd (what os-net-config's vlan entries did for TripleO). Inputs:
#   CTLPLANE_IP      the server's ctlplane address: its NIC is the VLANs' parent
#   VLAN_INTERFACES  one line per network: NAME_LOWER VLAN ADDRESS/PREFIX MTU
# Files are 09-overcloud-NAME.netdev/.network plus a drop-in VLAN= list on the parent's .network, so
# networkd makes the interfaces at boot (09- sorts before the config drive's 10-*.network, which matches
# by MAC address, and a VLAN has its parent's MAC). For the running system the interfaces are made here
# with ip(8) and networkd is not reloaded: a reload would reconfigure the parent, whose DHCP lease and
# address carry the agent's connection. Interfaces of networks no longer listed are removed. Applying it
# twice changes nothing. Last, the server's address on each network (ctlplane too) goes to
# $OC_STATE/network-addresses, "NAME ADDRESS" per line, where the deploy steps' service_ip finds the
# address a service binds to by its ServiceNetMap key (common/lib.sh).
set -euo pipefail
# NETWORK_CONFIG_DIR and OC_STATE: only tests point them elsewhere (tests/unit/templates/vlan-config.test.ts).
dir=${NETWORK_CONFIG_DIR:-/etc/systemd/network}
state=${OC_STATE:-/var/lib/overcloud}
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
dropin="$dir/$(basename "$netfile").d/09-overcloud-vlans.conf"

vlan_lines=""
while read -r name vlan address mtu; do
  [ -n "${name:-}" ] || continue
  ifname="vlan$vlan"
  vlan_lines+="VLAN=$ifname"$'\n'
  printf '# Written by the overcloud deploy (network %s).\n[NetDev]\nName=%s\nKind=vlan\nMTUBytes=%s\n\n[VLAN]\nId=%s\n' "$name" "$ifname" "$mtu" "$vlan" > "$dir/09-overcloud-$name.netdev.new"
  printf '# Written by the overcloud deploy (network %s).\n[Match]\nName=%s\n\n[Link]\nMTUBytes=%s\n\n[Network]\nAddress=%s\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' "$name" "$ifname" "$mtu" "$address" > "$dir/09-overcloud-$name.network.new"
done <<< "${VLAN_INTERFACES:-}"

# Networks no longer listed, or on another VLAN now: their old links go (and the files of the unlisted).
for f in "$dir"/09-overcloud-*.netdev; do
  [ -e "$f" ] || continue
  old=$(sed -n 's/^Name=//p' "$f")
  name=$(basename "$f" .netdev); name=${name#09-overcloud-}
  new="$dir/09-overcloud-$name.netdev.new"
  if [ ! -e "$new" ]; then
    rm -f "$f" "$dir/09-overcloud-$name.network"
  elif [ "$(sed -n 's/^Name=//p' "$new")" = "$old" ]; then
    continue
  fi
  if ip link show "$old" >/dev/null 2>&1; then
    ip link del "$old"
    say "removed $old (network $name)"
  fi
done
for f in "$dir"/09-overcloud-*.new; do
  [ -e "$f" ] || continue
  mv -f "$f" "${f%.new}"
done
if [ -n "$vlan_lines" ]; then
  mkdir -p "$(dirname "$dropin")"
  printf '# Written by the overcloud deploy: the VLANs of the isolated networks.\n[Network]\n%s' "$vlan_lines" > "$dropin"
else
  rm -f "$dropin"
fi
while read -r name vlan address mtu; do
  [ -n "${name:-}" ] || continue
  ifname="vlan$vlan"
  if ! ip link show "$ifname" >/dev/null 2>&1; then
    ip link add link "$parent" name "$ifname" type vlan id "$vlan"
  fi
  ip link set "$ifname" mtu "$mtu" up
  # Another address from an earlier deploy (the network's subnet changed): replaced.
  if ! ip -o -4 addr show dev "$ifname" | grep -q " ${address} "; then
    ip -4 addr flush dev "$ifname"
    ip addr add "$address" dev "$ifname"
  fi
  say "$ifname (network $name, VLAN $vlan on $parent): $address, MTU $mtu"
done <<< "${VLAN_INTERFACES:-}"

mkdir -p "$state"
{
  echo "ctlplane $CTLPLANE_IP"
  while read -r name vlan address mtu; do
    [ -n "${name:-}" ] && echo "$name ${address%/*}"
  done <<< "${VLAN_INTERFACES:-}"
} > "$state/network-addresses.new"
mv -f "$state/network-addresses.new" "$state/network-addresses"
