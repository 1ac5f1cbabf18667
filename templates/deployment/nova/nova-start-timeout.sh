# shellcheck shell=bash
# start_timeout UNIT SECONDS [UNIT_DIR]: a systemd drop-in that gives UNIT that long to report itself started.
# Debian's Nova daemons (conductor, scheduler, compute) are Type=notify: systemd waits until Nova has
# imported itself and said READY, and its default 90 s is less than that takes on a slow node (2-4
# minutes on a one-CPU TCG lab node); systemd then kills the daemon and the step fails with "a timeout
# was exceeded". Kept out of lib.sh so that only the steps starting these units carry it (a change to
# lib.sh changes, and so re-runs, every step of every role).
start_timeout() {
  local unit=$1 secs=$2 dropin before=''
  dropin="${3:-/etc/systemd/system}/$unit.service.d/undercloud-start-timeout.conf"
  if [ -e "$dropin" ]; then before=$(cat "$dropin"); fi
  printf '[Service]\nTimeoutStartSec=%s\n' "$secs" | put_file "$dropin" 0644 root:root
  if [ "$(cat "$dropin")" != "$before" ]; then systemctl daemon-reload; fi
}
