# shellcheck shell=bash
# RabbitMQ, step 1: the broker on the first Controller, with the openstack user.
if is_bootstrap; then
  log "rabbitmq: broker on $(local_ip):5672"
  put_file /etc/rabbitmq/rabbitmq-env.conf 0644 root:root <<CONF
# Written by the overcloud deploy (step 1); do not edit.
NODE_IP_ADDRESS=$(local_ip)
NODE_PORT=5672
CONF
  restart_if_changed rabbitmq-server /etc/rabbitmq/rabbitmq-env.conf
  retry 60 3 rabbitmqctl -q status >/dev/null 2>&1 || die "RabbitMQ did not start"
  if ! rabbitmqctl -q authenticate_user openstack "${RABBIT_PASSWORD}" >/dev/null 2>&1; then
    log "rabbitmq: setting up the openstack user"
    rabbitmqctl -q add_user openstack "${RABBIT_PASSWORD}" >/dev/null 2>&1 ||
      rabbitmqctl -q change_password openstack "${RABBIT_PASSWORD}" >/dev/null
  fi
  rabbitmqctl -q set_permissions -p / openstack '.*' '.*' '.*' >/dev/null
  wait_port "$(local_ip)" 5672 60
else
  log "rabbitmq: the broker runs on the first Controller (${CONTROLLER_IP}), not here"
  stop_disable rabbitmq-server
fi
