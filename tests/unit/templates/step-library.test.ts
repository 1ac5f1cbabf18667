/**
 * templates/common/lib.sh, the library every deploy step script starts with, run by bash against a
 * scratch directory with stub systemctl, ip, dpkg-query and apt-get on PATH: config merges rewrite a
 * file only when it changes, services restart only when their files changed or they are down, and a
 * failing command fails the step with its command in the log. Needs crudini (Debian's crudini) for the
 * ini tests; without it they fail saying what to install.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LIB = path.resolve(import.meta.dirname, '../../../templates/common/lib.sh');
const hasCrudini = spawnSync('crudini', ['--version']).status === 0;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'oc-lib-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(path.join(dir, 'units'));
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // systemctl: units "run" when $dir/units/<unit>.active exists; every call is logged.
  stub('systemctl', `echo "systemctl $*" >>"${dir}/calls"
args=(); for a in "$@"; do [ "$a" = --quiet ] || args+=("$a"); done
u="${dir}/units/\${args[1]}"
case "\${args[0]}" in
  is-active) [ -e "$u.active" ] ;;
  is-enabled) [ -e "$u.enabled" ] ;;
  enable) touch "$u.enabled" ;;
  restart|start) touch "$u.active" ;;
  stop) rm -f "$u.active" ;;
esac`);
  stub('ip', 'echo "192.0.2.5 dev eth0 src ${STUB_SRC:-192.0.2.9} uid 0"');
  stub('dpkg-query', '[ "$4" = "${STUB_INSTALLED:-}" ] && printf "install ok installed" || exit 1');
  stub('apt-get', `echo "apt-get $*" >>"${dir}/calls"`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(body: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', ['-c', `source ${LIB}\n${body}`], {
    encoding: 'utf8',
    env: { PATH: `${dir}/bin:${process.env.PATH}`, HOME: dir, OC_STATE: path.join(dir, 'state'), DEPLOY_ROLE: 'Test', DEPLOY_STEP: '1', CONTROLLER_IP: '192.0.2.5', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const calls = () => {
  try {
    return readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};

describe('templates/common/lib.sh', () => {
  it('a failing command fails the step and logs the command', () => {
    const r = run('log "about to fail"\nfalse\necho not reached');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Test step 1: about to fail/);
    expect(r.err).toContain('ERROR: command failed (exit 1): false');
    expect(r.out).not.toContain('not reached');
  });

  it('local_ip, is_bootstrap and the URL helpers', () => {
    const env = { RABBIT_PASSWORD: 'rp', PUBLIC_HOST: 'cloud.example', MEMCACHED_SERVERS: '192.0.2.5:11211', ENABLED_SERVICES: 'mysql,keystone' };
    const body = 'echo "$(local_ip)"; is_bootstrap && echo boot || echo notboot; db_url nova nova pw; rabbit_url; keystone_url; public_url 8774 /v2.1; internal_url 9292\n'
      + 'memcached_servers; service_enabled keystone && echo ks; service_enabled glance_api || echo noglance';
    expect(run(body, env).out.trim().split('\n')).toEqual([
      '192.0.2.9', 'notboot', 'mysql+pymysql://nova:pw@192.0.2.5/nova?charset=utf8', 'rabbit://openstack:rp@192.0.2.5:5672/',
      'http://192.0.2.5:5000', 'http://cloud.example:8774/v2.1', 'http://192.0.2.5:9292', '192.0.2.5:11211', 'ks', 'noglance',
    ]);
    expect(run('is_bootstrap && echo boot', { STUB_SRC: '192.0.2.5' }).out.trim()).toBe('boot');
  });

  it('service_ip: the address on the network ServiceNetMap gives the key; the ctlplane for a network the node is not on; local_ip without isolated networks', () => {
    const body = 'for k in NeutronTenantNetwork CinderIscsiNetwork SwiftStorageNetwork NovaApiNetwork; do echo "$k $(service_ip $k)"; done; echo "tenant=$(net_ip tenant)"; echo "none=$(net_ip external)"';
    // No isolated networks (no SERVICE_NET_MAP, no addresses file): every key is the service address.
    expect(run(body).out.trim().split('\n')).toEqual(['NeutronTenantNetwork 192.0.2.9', 'CinderIscsiNetwork 192.0.2.9', 'SwiftStorageNetwork 192.0.2.9', 'NovaApiNetwork 192.0.2.9', 'tenant=', 'none=']);
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'network-addresses'), 'ctlplane 192.168.24.9\ninternal_api 172.16.2.9\ntenant 172.16.0.9\nstorage 172.16.1.9\n');
    const map = { SERVICE_NET_MAP: 'NeutronTenantNetwork=tenant,CinderIscsiNetwork=storage,SwiftStorageNetwork=storage_mgmt' };
    expect(run(body, map).out.trim().split('\n')).toEqual([
      'NeutronTenantNetwork 172.16.0.9', 'CinderIscsiNetwork 172.16.1.9',
      // storage_mgmt is not one of this node's networks: the ctlplane (TripleO's rule); an unmapped key: local_ip.
      'SwiftStorageNetwork 192.168.24.9', 'NovaApiNetwork 192.0.2.9', 'tenant=172.16.0.9', 'none=',
    ]);
    // A stale addresses file (isolated networks dropped since) is not read without SERVICE_NET_MAP.
    expect(run('service_ip NeutronTenantNetwork').out.trim()).toBe('192.0.2.9');
  });

  it('put_file writes only on change and enforces the mode', () => {
    const f = path.join(dir, 'etc', 'a.conf');
    expect(run(`echo one | put_file ${f} 0640 "$(id -u):$(id -g)"`).code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('one\n');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    const before = statSync(f).mtimeMs;
    run(`echo one | put_file ${f} 0600 "$(id -u):$(id -g)"`);
    expect(statSync(f).mtimeMs).toBe(before);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    run(`echo two | put_file ${f} 0600 "$(id -u):$(id -g)"`);
    expect(readFileSync(f, 'utf8')).toBe('two\n');
  });

  it('ini_merge merges sections and leaves an unchanged file alone; ini_del removes a key', () => {
    if (!hasCrudini) throw new Error('crudini is missing: apt-get install crudini');
    const f = path.join(dir, 'svc.conf');
    writeFileSync(f, '[DEFAULT]\n#debug = false\n[database]\nconnection = sqlite://\n');
    run(`printf '[DEFAULT]\\ndebug = true\\n[database]\\nconnection = mysql://x\\n[keystone_authtoken]\\npassword = p\\n' | ini_merge ${f}`);
    const text = readFileSync(f, 'utf8');
    expect(text).toContain('debug = true');
    expect(text).toContain('#debug = false');
    expect(text).toContain('connection = mysql://x');
    expect(text).not.toContain('sqlite');
    expect(text).toMatch(/\[keystone_authtoken\]\npassword = p/);
    const before = statSync(f).mtimeMs;
    run(`printf '[database]\\nconnection = mysql://x\\n' | ini_merge ${f}`);
    expect(statSync(f).mtimeMs).toBe(before);
    run(`ini_del ${f} database connection; ini_del ${f} database connection`);
    expect(readFileSync(f, 'utf8')).not.toContain('connection');
  });

  it('restart_if_changed: enables, starts a stopped unit, restarts after a change or forget_restart, and otherwise leaves it', () => {
    const f = path.join(dir, 'svc.conf');
    writeFileSync(f, 'a\n');
    run(`restart_if_changed svc ${f}`);
    expect(calls().filter((c) => /^systemctl (enable|restart) /.test(c))).toEqual(['systemctl enable --quiet svc', 'systemctl restart svc']);
    rmSync(path.join(dir, 'calls'));
    run(`restart_if_changed svc ${f}`);
    expect(calls().filter((c) => /^systemctl (enable|restart) /.test(c))).toEqual([]);
    run(`sleep 0.05; echo b | put_file ${f} 0644 "$(id -u):$(id -g)"; restart_if_changed svc ${f}`);
    expect(calls().filter((c) => /^systemctl restart /.test(c))).toEqual(['systemctl restart svc']);
    rmSync(path.join(dir, 'units', 'svc.active'));
    rmSync(path.join(dir, 'calls'));
    expect(run(`restart_if_changed svc ${f}`).out).toContain('restarting svc (not running)');
    // forget_restart: a change no file shows (its sockets) restarts it next time, once.
    rmSync(path.join(dir, 'calls'));
    run(`forget_restart svc; restart_if_changed svc ${f}; restart_if_changed svc ${f}`);
    expect(calls().filter((c) => /^systemctl restart /.test(c))).toEqual(['systemctl restart svc']);
    run('stop_disable svc other');
    expect(calls().filter((c) => /^systemctl (stop|disable) /.test(c))).toEqual(['systemctl disable --quiet svc', 'systemctl stop svc']);
  });

  it('ensure_packages installs only what the image lacks', () => {
    run('ensure_packages present missing1 missing2', { STUB_INSTALLED: 'present' });
    expect(calls()).toEqual(['apt-get -q update', 'apt-get -q -y -o Dpkg::Options::=--force-confold install missing1 missing2']);
    rmSync(path.join(dir, 'calls'));
    run('ensure_packages present', { STUB_INSTALLED: 'present' });
    expect(calls()).toEqual([]);
  });

  it('retry gives up after the given tries; step_done records the step', () => {
    const r = run('n=0; f() { n=$((n+1)); [ $n -ge 3 ]; }; retry 5 0 f && echo "ok after $n"; retry 2 0 false || echo gave-up; step_done');
    expect(r.out).toContain('ok after 3');
    expect(r.out).toContain('gave-up');
    expect(readFileSync(path.join(dir, 'state', 'step'), 'utf8')).toBe('1\n');
  });
  it("nova-start-timeout.sh: a drop-in gives a Type=notify unit longer to start; systemd reloads only when it changes", () => {
    const fragment = path.resolve(import.meta.dirname, '../../../templates/deployment/nova/nova-start-timeout.sh');
    const units = path.join(dir, 'systemd');
    const dropin = path.join(units, 'nova-conductor.service.d', 'undercloud-start-timeout.conf');
    expect(run(`source ${fragment}\nstart_timeout nova-conductor 600 ${units}\nstart_timeout nova-conductor 600 ${units}`).code).toBe(0);
    expect(readFileSync(dropin, 'utf8')).toBe('[Service]\nTimeoutStartSec=600\n');
    expect(calls().filter((c) => c === 'systemctl daemon-reload')).toHaveLength(1);
    expect(run(`source ${fragment}\nstart_timeout nova-conductor 900 ${units}`).code).toBe(0);
    expect(readFileSync(dropin, 'utf8')).toContain('TimeoutStartSec=900');
    expect(calls().filter((c) => c === 'systemctl daemon-reload')).toHaveLength(2);
  });
});
