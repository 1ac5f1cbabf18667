# shellcheck shell=bash
# Horizon, step 3: settings after Debian's own (local_settings.d is read in name order).
log "horizon: http://$(local_ip)/horizon"
oc_horizon_settings=/etc/openstack-dashboard/local_settings.d/_90_overcloud.py
{
  cat <<PY
# Written by the overcloud deploy (step 3); do not edit.
OPENSTACK_HOST = "${CONTROLLER_IP}"
OPENSTACK_KEYSTONE_URL = "http://%s:5000/v3" % OPENSTACK_HOST
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_API_VERSIONS = {"identity": 3, "image": 2, "volume": 3}
ALLOWED_HOSTS = ["*"]
SECRET_KEY = "${HORIZON_SECRET}"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
PY
  if [ -n "$(memcached_servers)" ]; then
    printf 'CACHES = {"default": {"BACKEND": "django.core.cache.backends.memcached.MemcachedCache", "LOCATION": "%s".split(",")}}\n' "$(memcached_servers)"
  fi
} | put_file "$oc_horizon_settings" 0640 root:www-data
# Debian's openstack-dashboard-apache serves Horizon at /horizon by default (horizon/activate_vhost),
# and enables default-ssl.conf without mod_ssl, which fails Apache's config test: no HTTPS site here.
if [ -e /etc/apache2/sites-enabled/default-ssl.conf ] && [ ! -e /etc/apache2/mods-enabled/ssl.load ]; then
  a2dissite -q default-ssl
fi
apache2ctl configtest >/dev/null 2>&1 || { apache2ctl configtest || true; die "Apache's configuration is invalid"; }
restart_if_changed apache2 "$oc_horizon_settings" /etc/apache2/sites-enabled
wait_http "http://$(local_ip)/" 600
