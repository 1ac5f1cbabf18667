# shellcheck shell=bash
# Nova API, step 3.
log "nova-api"
if is_bootstrap; then
  db_ensure nova_api nova "${NOVA_PASSWORD}"
  db_ensure nova nova "${NOVA_PASSWORD}"
  db_ensure nova_cell0 nova "${NOVA_PASSWORD}"
fi
nova_config api
if is_bootstrap; then
  log "nova-api: api_db sync, cells, db sync"
  as_user nova nova-manage api_db sync
  as_user nova nova-manage cell_v2 map_cell0 --database_connection "$(db_url nova_cell0 nova "${NOVA_PASSWORD}")"
  oc_cells=$(as_user nova nova-manage cell_v2 list_cells)
  if ! grep -qw cell1 <<<"$oc_cells"; then
    as_user nova nova-manage cell_v2 create_cell --name=cell1 --verbose
    oc_cells=$(as_user nova nova-manage cell_v2 list_cells)
  fi
  # The cell mappings hold connection URLs with the password: keep them current (NovaPassword,
  # RabbitPassword or the Controller's address may have changed since they were created).
  as_user nova nova-manage cell_v2 update_cell --cell_uuid 00000000-0000-0000-0000-000000000000 \
    --database_connection "$(db_url nova_cell0 nova "${NOVA_PASSWORD}")" --transport-url none:///
  oc_cell1=$(awk -F'|' '$2 ~ /^ *cell1 *$/ {gsub(/ /, "", $3); print $3}' <<<"$oc_cells")
  [ -n "$oc_cell1" ] || die "cell1 is not in: $oc_cells"
  as_user nova nova-manage cell_v2 update_cell --cell_uuid "$oc_cell1" \
    --database_connection "$(db_url nova nova "${NOVA_PASSWORD}")" --transport-url "$(rabbit_url)"
  as_user nova nova-manage db sync
  KS_USER_PASSWORD="${NOVA_PASSWORD}" ks_register nova compute "OpenStack Compute" "$(public_url 8774 /v2.1)" "$(internal_url 8774 /v2.1)" nova
fi
uwsgi_processes /etc/nova/nova-api-uwsgi.ini "${NOVA_WORKERS:-0}"
restart_if_changed nova-api /etc/nova/nova.conf /etc/nova/nova-api-uwsgi.ini
wait_http "http://$(local_ip):8774/" 600
