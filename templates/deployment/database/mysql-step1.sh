# shellcheck shell=bash
# MySQL (MariaDB), step 1: the overcloud database on the first Controller.
if is_bootstrap; then
  log "mysql: MariaDB on $(local_ip):3306"
  put_file /etc/mysql/mariadb.conf.d/99-overcloud.cnf 0644 root:root <<CNF
# Written by the overcloud deploy (step 1); do not edit.
[mysqld]
bind-address = $(local_ip)
max_connections = ${MYSQL_MAX_CONNECTIONS:-4096}
max_allowed_packet = 64M
innodb_file_per_table = on
collation-server = utf8_general_ci
character-set-server = utf8
skip-name-resolve
CNF
  # Debian's MariaDB can be socket-activated (mariadb.socket, mariadb-extra.socket): systemd then holds
  # port 3306 on every address and bind-address is never used. The server binds its own sockets instead.
  if systemctl is-enabled --quiet mariadb.socket 2>/dev/null || systemctl is-active --quiet mariadb.socket; then
    stop_disable mariadb-extra.socket mariadb.socket
    forget_restart mariadb
  fi
  restart_if_changed mariadb /etc/mysql/mariadb.conf.d/99-overcloud.cnf
  retry 60 2 mysqladmin --protocol=socket -u root --silent ping >/dev/null || die "MariaDB did not start"
  # root keeps its socket login (the deploy steps use it) and gets MysqlRootPassword for TCP logins.
  mysql --protocol=socket -u root <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('${MYSQL_ROOT_PASSWORD}');
SQL
  wait_port "$(local_ip)" 3306 60
else
  log "mysql: the database runs on the first Controller (${CONTROLLER_IP}), not here"
  stop_disable mariadb
fi
