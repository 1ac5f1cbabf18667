# shellcheck shell=bash
# Keystone, step 2.
log "keystone"
oc_ks_conf=/etc/keystone/keystone.conf
if is_bootstrap; then db_ensure keystone keystone "${KEYSTONE_DB_PASSWORD}"; fi
{
  cat <<INI
[database]
connection = $(db_url keystone keystone "${KEYSTONE_DB_PASSWORD}")
[token]
provider = fernet
[fernet_tokens]
key_repository = /etc/keystone/fernet-keys/
max_active_keys = 3
[credential]
key_repository = /etc/keystone/credential-keys/
INI
  if [ -n "$(memcached_servers)" ]; then
    printf '[cache]\nenabled = true\nbackend = oslo_cache.memcache_pool\nmemcache_servers = %s\n' "$(memcached_servers)"
  else
    printf '[cache]\nenabled = false\n'
  fi
} | ini_merge "$oc_ks_conf" root:keystone 0640

uwsgi_processes /etc/keystone/keystone-uwsgi.ini "${KEYSTONE_WORKERS:-0}"

# The same fernet and credential keys on every Controller: 0 is the staged key, 1 the primary.
# A key given by KeystoneFernetKeys or KeystoneCredential0/1 (an export, a passwords file) must be a key.
for k in KEYSTONE_FERNET_KEY0 KEYSTONE_FERNET_KEY1 KEYSTONE_CREDENTIAL_KEY0 KEYSTONE_CREDENTIAL_KEY1; do
  printf '%s' "${!k:-}" | grep -Eq '^[A-Za-z0-9_-]{43}=$' \
    || die "$k is not a fernet key (urlsafe base64 of 32 bytes): check KeystoneFernetKeys (/etc/keystone/fernet-keys/0 and /1, each {content: KEY}) and KeystoneCredential0/1"
done
install -d -o keystone -g keystone -m 0700 /etc/keystone/fernet-keys /etc/keystone/credential-keys
printf '%s' "${KEYSTONE_FERNET_KEY0}" | put_file /etc/keystone/fernet-keys/0 0600 keystone:keystone
printf '%s' "${KEYSTONE_FERNET_KEY1}" | put_file /etc/keystone/fernet-keys/1 0600 keystone:keystone
printf '%s' "${KEYSTONE_CREDENTIAL_KEY0}" | put_file /etc/keystone/credential-keys/0 0600 keystone:keystone
printf '%s' "${KEYSTONE_CREDENTIAL_KEY1}" | put_file /etc/keystone/credential-keys/1 0600 keystone:keystone
find /etc/keystone/fernet-keys /etc/keystone/credential-keys -type f ! -name 0 ! -name 1 -delete

if is_bootstrap; then
  log "keystone: db_sync and bootstrap (admin user, region ${REGION}, identity endpoints)"
  as_user keystone keystone-manage db_sync
  OS_BOOTSTRAP_PASSWORD="${ADMIN_PASSWORD}" as_user keystone keystone-manage bootstrap \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "${REGION}" \
    --bootstrap-admin-url "$(keystone_url)" --bootstrap-internal-url "$(keystone_url)" \
    --bootstrap-public-url "$(public_url 5000)"
fi
restart_if_changed keystone "$oc_ks_conf" /etc/keystone/keystone-uwsgi.ini /etc/keystone/fernet-keys/0 /etc/keystone/fernet-keys/1 \
  /etc/keystone/credential-keys/0 /etc/keystone/credential-keys/1
wait_http "http://$(local_ip):5000/v3" 600
if is_bootstrap; then ks_register keystone '' '' '' ''; fi
