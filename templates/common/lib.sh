# shellcheck shell=bash
# The overcloud step library. common/role-config.yaml prepends it to every step script, so each
# script a node agent runs is self-contained: header (DEPLOY_ROLE, DEPLOY_STEP), this library, the
# services' fragments for that step, then step_done. Inputs arrive as environment variables
# (heat-config-script, docs/agents.md); every helper here is idempotent, so a step re-runs safely.
set -Eeuo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8
export HOME="${HOME:-/root}"
export PATH="${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OC_STATE="${OC_STATE:-/var/lib/overcloud}"
mkdir -p "$OC_STATE/restarted"
chmod 0700 "$OC_STATE"

log() { printf '%s %s step %s: %s\n' "$(date -u +%H:%M:%SZ)" "${DEPLOY_ROLE:-?}" "${DEPLOY_STEP:-?}" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }
trap 'log "ERROR: command failed (exit $?): $BASH_COMMAND" >&2' ERR

# service_enabled NAME: NAME (a role_data service_name) is deployed somewhere in this overcloud.
service_enabled() { case ",${ENABLED_SERVICES:-}," in *",$1,"*) return 0 ;; esac; return 1; }

# local_ip: this node's control-plane address (the source address towards the first Controller).
local_ip() {
  if [ -z "${OC_LOCAL_IP:-}" ]; then
    [ -n "${CONTROLLER_IP:-}" ] || die "CONTROLLER_IP is not set"
    OC_LOCAL_IP=$(ip -4 -o route get "$CONTROLLER_IP" 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n1)
    [ -n "$OC_LOCAL_IP" ] || die "no route to the controller $CONTROLLER_IP"
  fi
  printf '%s\n' "$OC_LOCAL_IP"
}

# net_ip NAME: this node's address on network NAME (a name_lower of network_data.yaml, or ctlplane), as the
# isolated networks' config wrote them (network/vlan-config.sh, before step 0); empty when it has none.
net_ip() {
  [ -r "$OC_STATE/network-addresses" ] || return 0
  awk -v n="$1" '$1 == n { print $2; exit }' "$OC_STATE/network-addresses"
}

# service_ip KEY: the address a service binds to, by its TripleO ServiceNetMap key (NeutronTenantNetwork,
# CinderIscsiNetwork, SwiftStorageNetwork). SERVICE_NET_MAP (KEY=network,...) comes only with isolated
# networks: without it, or for a key it does not map, the service address (local_ip). A network this node
# has no address on (not in network_data.yaml, or not one of its role's) means the ctlplane, as in TripleO.
service_ip() {
  local net ip
  net=$(printf '%s\n' "${SERVICE_NET_MAP:-}" | tr ',' '\n' | sed -n "s/^$1=//p" | head -n1)
  if [ -z "$net" ]; then local_ip; return; fi
  ip=$(net_ip "$net")
  [ -n "$ip" ] || ip=$(net_ip ctlplane)
  if [ -z "$ip" ]; then local_ip; return; fi
  printf '%s\n' "$ip"
}

# remove_isolated_networks: takes away what network/vlan-config.sh made (the VLAN interfaces, their
# networkd files and the parent's drop-in, the addresses file), for a deploy that no longer has isolated
# networks: the undercloud released the addresses when the servers' ports went. Nothing to do on a node
# that never had them. NETWORK_CONFIG_DIR: only tests point it elsewhere.
remove_isolated_networks() {
  local dir=${NETWORK_CONFIG_DIR:-/etc/systemd/network} netdev link
  for netdev in "$dir"/09-overcloud-*.netdev; do
    [ -e "$netdev" ] || continue
    link=$(sed -n 's/^Name=//p' "$netdev")
    if [ -n "$link" ] && ip link show "$link" >/dev/null 2>&1; then ip link del "$link"; fi
    log "removed ${link:-?} (${netdev##*/}): this deploy has no isolated networks"
    rm -f "$netdev" "${netdev%.netdev}.network"
  done
  rm -f "$dir"/*.network.d/09-overcloud-vlans.conf "$OC_STATE/network-addresses"
}

# is_bootstrap: this node is the first Controller (it holds the database, the message queue, and runs
# the one-off tasks: db syncs, keystone bootstrap, endpoint registration).
is_bootstrap() { [ "$(local_ip)" = "${CONTROLLER_IP:-}" ]; }

# ensure_packages PKG...: the golden image preinstalls these (disk-image-builder element
# openstack-packages); a missing one is installed from the configured mirror, with a warning.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)" != 'install ok installed' ]; then missing+=("$p"); fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "WARNING: not in the image, installing: ${missing[*]}"
  apt-get -q update
  apt-get -q -y -o Dpkg::Options::=--force-confold install "${missing[@]}"
}

# put_file PATH MODE OWNER:GROUP < content: writes PATH only when the content differs (so its mtime
# says when it last changed, which restart_if_changed relies on); mode and owner are always enforced.
put_file() {
  local path=$1 mode=$2 owner=$3 tmp
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.XXXXXX")
  cat >"$tmp"
  if [ -e "$path" ] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$path"
  fi
  chmod "$mode" "$path"
  chown "$owner" "$path"
}

# ini_merge FILE [OWNER:GROUP MODE] < ini text: merges the sections and keys of stdin into FILE
# (crudini --merge), rewriting FILE only when something changed.
ini_merge() {
  local file=$1 owner=${2:-} mode=${3:-} tmp
  mkdir -p "$(dirname "$file")"
  [ -e "$file" ] || : >"$file"
  tmp=$(mktemp "$file.XXXXXX")
  cat "$file" >"$tmp"
  crudini --merge "$tmp"
  if cmp -s "$tmp" "$file"; then rm -f "$tmp"; else cat "$tmp" >"$file"; rm -f "$tmp"; fi
  if [ -n "$owner" ]; then chown "$owner" "$file"; fi
  if [ -n "$mode" ]; then chmod "$mode" "$file"; fi
}

# ini_del FILE SECTION KEY: removes one option if present.
ini_del() {
  if crudini --get "$1" "$2" "$3" >/dev/null 2>&1; then crudini --del "$1" "$2" "$3"; fi
}

# restart_if_changed UNIT [FILE...]: enables UNIT, and (re)starts it when it is not running or when a
# FILE changed since this library last restarted it.
restart_if_changed() {
  local unit=$1 marker f why=''
  shift
  marker="$OC_STATE/restarted/$unit"
  systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl enable --quiet "$unit"
  if ! systemctl is-active --quiet "$unit"; then why='not running'; fi
  for f in "$@"; do
    if [ -z "$why" ] && [ -e "$f" ] && [ "$f" -nt "$marker" ]; then why="$f changed"; fi
  done
  if [ -n "$why" ]; then
    log "restarting $unit ($why)"
    systemctl restart "$unit"
    touch "$marker"
  fi
}

# forget_restart UNIT: the next restart_if_changed UNIT restarts it, whatever changed (a change it
# cannot see in a file, such as its sockets).
forget_restart() { rm -f "$OC_STATE/restarted/$1"; }

# worker_count N: the processes a service runs: N when N > 0, else one per CPU of the node, at most 8
# (TripleO's <Service>Workers: 0 means "the node decides"). Debian's uwsgi files start 4 to 8
# processes whatever the node, and each loads the whole service: minutes per process on a small node.
worker_count() {
  local n=${1:-0}
  if [ "$n" -gt 0 ] 2>/dev/null; then printf '%s\n' "$n"; return; fi
  n=$(nproc)
  if [ "$n" -gt 8 ]; then n=8; fi
  printf '%s\n' "$n"
}

# uwsgi_processes INI N: sets the [uwsgi] processes of a Debian uwsgi service file to worker_count N.
uwsgi_processes() {
  printf '[uwsgi]\nprocesses = %s\n' "$(worker_count "$2")" | ini_merge "$1" root:root 0644
}

# stop_disable UNIT...: for services the image carries but this node does not run.
stop_disable() {
  local u
  for u in "$@"; do
    if systemctl is-enabled --quiet "$u" 2>/dev/null; then systemctl disable --quiet "$u"; fi
    if systemctl is-active --quiet "$u"; then log "stopping $u"; systemctl stop "$u"; fi
  done
  return 0
}

# retry TRIES DELAY CMD...: runs CMD until it succeeds.
retry() {
  local tries=$1 delay=$2 i
  shift 2
  for ((i = 1; i <= tries; i++)); do
    if "$@"; then return 0; fi
    [ "$i" -lt "$tries" ] && sleep "$delay"
  done
  return 1
}

tcp_open() { timeout 3 bash -c ">/dev/tcp/$1/$2" 2>/dev/null; }

# wait_port HOST PORT [SECONDS]
wait_port() {
  local host=$1 port=$2 secs=${3:-120}
  retry "$secs" 1 tcp_open "$host" "$port" || die "$host:$port did not open within ${secs}s"
}

# wait_http URL [SECONDS]: any HTTP answer (even 401) means the API is up.
wait_http() {
  local url=$1 secs=${2:-180} code='' i
  for ((i = 0; i < secs; i += 2)); do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    case "$code" in 2* | 3* | 401 | 404) return 0 ;; esac
    sleep 2
  done
  die "$url did not answer within ${secs}s (last HTTP status ${code:-none})"
}

# as_user USER CMD...: runs a service's management command as its own user.
as_user() { local u=$1; shift; runuser -u "$u" -- "$@"; }

# Connection strings. The database and the message queue live on the first Controller.
db_url() { printf 'mysql+pymysql://%s:%s@%s/%s?charset=utf8\n' "$2" "$3" "${CONTROLLER_IP}" "$1"; }
rabbit_url() { printf 'rabbit://openstack:%s@%s:5672/\n' "${RABBIT_PASSWORD}" "${CONTROLLER_IP}"; }
keystone_url() { printf 'http://%s:5000\n' "${CONTROLLER_IP}"; }
# public_url PORT [PATH] / internal_url PORT [PATH]: an API endpoint on the public host (CloudName,
# or the first Controller) and on the first Controller's ctlplane address.
public_url() { printf 'http://%s:%s%s\n' "${PUBLIC_HOST:-$CONTROLLER_IP}" "$1" "${2:-}"; }
internal_url() { printf 'http://%s:%s%s\n' "${CONTROLLER_IP}" "$1" "${2:-}"; }
# memcached_servers: host:port list of the Controllers' memcached ('' when they run none).
memcached_servers() { printf '%s\n' "${MEMCACHED_SERVERS:-}"; }

# db_ensure NAME USER PASSWORD: database NAME and USER@'%' with all rights on it (bootstrap node only,
# through the local socket as root).
db_ensure() {
  local name=$1 user=$2 pass=$3
  retry 60 2 mysqladmin --protocol=socket -u root --silent ping >/dev/null || die "MariaDB is not running here"
  mysql --protocol=socket -u root <<SQL
CREATE DATABASE IF NOT EXISTS \`$name\`;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$pass';
ALTER USER '$user'@'%' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pass';
ALTER USER '$user'@'localhost' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON \`$name\`.* TO '$user'@'%';
GRANT ALL PRIVILEGES ON \`$name\`.* TO '$user'@'localhost';
SQL
}

# authtoken_ini SERVICE_USER PASSWORD: the [keystone_authtoken] section of an API service (to pipe
# into ini_merge along with the service's own sections).
authtoken_ini() {
  cat <<INI
[keystone_authtoken]
www_authenticate_uri = $(keystone_url)
auth_url = $(keystone_url)
memcached_servers = $(memcached_servers)
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $2
region_name = ${REGION}
INI
}

# service_auth_ini SECTION USER PASSWORD: a keystoneauth password section ([placement], [neutron],
# [nova], [service_user]...).
service_auth_ini() {
  cat <<INI
[$1]
auth_url = $(keystone_url)
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $3
region_name = ${REGION}
INI
}

# os_admin: the admin credentials for the openstack client (what overcloudrc holds).
os_admin() {
  OS_AUTH_URL="$(keystone_url)"
  export OS_AUTH_TYPE=password OS_AUTH_URL OS_USERNAME=admin OS_PASSWORD="${ADMIN_PASSWORD}"
  export OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
  export OS_IDENTITY_API_VERSION=3 OS_REGION_NAME="${REGION}" OS_INTERFACE=internal
}

# ks_register NAME TYPE DESCRIPTION PUBLIC_URL INTERNAL_URL [USER]: the service project, the service
# user (password from $KS_USER_PASSWORD, admin in the service project), the catalog service and its
# public, internal and admin (= internal) endpoints. An empty TYPE registers no service. One
# keystoneclient process per service; it creates what is missing and fixes what differs.
ks_register() {
  os_admin
  wait_http "$(keystone_url)/v3" 180
  python3 - "$@" <<'PY'
import os, sys, time
from keystoneauth1 import exceptions as ka_exc, session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

name, stype, desc, public_url, internal_url = sys.argv[1:6]
user = sys.argv[6] if len(sys.argv) > 6 else ''
auth_url = os.environ['OS_AUTH_URL'] + '/v3'
region = os.environ['OS_REGION_NAME']

def sess(username, password, project):
    return session.Session(auth=v3.Password(auth_url=auth_url, username=username, password=password, project_name=project,
                                            user_domain_name='Default', project_domain_name='Default'), timeout=60)

def one(items):
    return items[0] if items else None

def register():
    ks = client.Client(session=sess('admin', os.environ['OS_PASSWORD'], 'admin'), interface='internal', region_name=region)
    project = one(ks.projects.list(name='service', domain='default')) or ks.projects.create('service', domain='default', description='Service project')
    if user:
        password = os.environ['KS_USER_PASSWORD']
        u = one(ks.users.list(name=user, domain='default'))
        if u is None:
            u = ks.users.create(user, domain='default', password=password, enabled=True)
            print(f'created user {user}')
        else:
            try:
                sess(user, password, 'service').get_token()
            except ka_exc.Unauthorized:
                ks.users.update(u, password=password)
                print(f'updated the password of {user}')
        ks.roles.grant(one(ks.roles.list(name='admin')), user=u, project=project)
    if stype:
        svc = one([s for s in ks.services.list(type=stype) if s.name == name])
        if svc is None:
            svc = ks.services.create(name=name, type=stype, description=desc)
            print(f'created service {name} ({stype})')
        for iface, url in (('public', public_url), ('internal', internal_url), ('admin', internal_url)):
            eps = ks.endpoints.list(service=svc, interface=iface, region=region)
            if not eps:
                ks.endpoints.create(service=svc, url=url, interface=iface, region=region)
                print(f'created {iface} endpoint {url}')
            elif eps[0].url != url:
                ks.endpoints.update(eps[0], url=url)
                print(f'updated {iface} endpoint {url}')

# Keystone may be starting or restarting (uwsgi workers): every step is idempotent, so the whole
# registration is retried on connection errors and 5xx answers.
TRANSIENT = (ka_exc.ConnectFailure, ka_exc.ConnectTimeout, ka_exc.ServiceUnavailable, ka_exc.GatewayTimeout,
             ka_exc.BadGateway, ka_exc.InternalServerError)
for attempt in range(1, 31):
    try:
        register()
        break
    except TRANSIENT as err:
        if attempt == 30:
            sys.exit(f'keystone: {err}')
        print(f'keystone not ready ({type(err).__name__}), retrying', file=sys.stderr)
        time.sleep(3)
PY
}

# ks_token_types: a token for the os_admin credentials (the OS_* variables) from Keystone's API, asked for
# as `openstack token issue` does (POST /v3/auth/tokens, password, project scope); prints the service types
# of its catalog, sorted, on one line. python3's standard library rather than the openstack client: that
# client's start alone took about 40 s on a slow node (QEMU TCG), and step 5 ran it twice.
ks_token_types() {
  python3 - <<'PY'
import json, os, sys, urllib.error, urllib.request
e = os.environ
scope = {'project': {'name': e['OS_PROJECT_NAME'], 'domain': {'name': e['OS_PROJECT_DOMAIN_NAME']}}}
user = {'name': e['OS_USERNAME'], 'domain': {'name': e['OS_USER_DOMAIN_NAME']}, 'password': e['OS_PASSWORD']}
body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': user}}, 'scope': scope}}
url = e['OS_AUTH_URL'].rstrip('/') + '/v3/auth/tokens'
req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={'Content-Type': 'application/json'})
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        if not r.headers.get('X-Subject-Token'):
            sys.exit(f'POST {url}: no X-Subject-Token in the answer')
        token = json.load(r)['token']
except urllib.error.HTTPError as err:
    sys.exit(f'POST {url}: HTTP {err.code} {err.read()[:300].decode(errors="replace")}')
except OSError as err:
    sys.exit(f'POST {url}: {err}')
print(' '.join(sorted({s['type'] for s in token.get('catalog', [])})))
PY
}

# step_done: marks the step finished on this node (what `overcloud status` tooling and re-runs read).
step_done() {
  printf '%s\n' "${DEPLOY_STEP}" >"$OC_STATE/step"
  log "step ${DEPLOY_STEP} done"
}
