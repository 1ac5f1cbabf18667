# shellcheck shell=bash
# Keystone, step 5: the admin credentials as /root/overcloudrc, checked by a token request (ks_token_types).
log "keystone: /root/overcloudrc"
put_file /root/overcloudrc 0600 root:root <<RC
# Written by the overcloud deploy (step 5): the overcloud's admin credentials.
for key in \$(set | awk -F= '/^OS_/ {print \$1}'); do unset "\$key"; done
export OS_AUTH_TYPE=password
export OS_AUTH_URL=$(public_url 5000)
export OS_USERNAME=admin
export OS_PASSWORD=${ADMIN_PASSWORD}
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=${REGION}
export OS_NO_CACHE=True
RC
os_admin
log "keystone: token issue (POST $(keystone_url)/v3/auth/tokens as admin)"
oc_ks_types=$(retry 10 3 ks_token_types) || die "token issue failed against $(keystone_url): Keystone refused the admin credentials or did not answer"
log "keystone: the catalog has: ${oc_ks_types}"
