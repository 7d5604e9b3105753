// After scripts/cluster/down.sh: nothing of the cluster may remain on the host. Checked here
// independently of down.sh's own check, from what the kernel reports. Run by scripts/cluster/smoke.sh.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CACHE, httpGet, run } from './lib.js';

// Must match scripts/cluster/lib.sh.
const STATE_ROOT = '/var/lib/todo-cluster/';
const RUN_ROOT = '/run/todo-cluster/';
const BRIDGE = 'cni0';
const CLUSTER_PORTS = [6443, 2379, 2380, 2381, 10248, 10249, 10250, 10256, 10257, 10259];

function processesRunningOurBinaries(): string[] {
  const binDir = join(CACHE, 'bin') + '/';
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      // The cluster's containerd and its shims are Debian binaries: recognised by their socket.
      if (exe.startsWith(binDir) || cmdline.includes(RUN_ROOT) || cmdline.includes('/run/todo-cluster/containerd')) {
        found.push(`${pid} ${cmdline.trim()}`);
      }
    } catch {
      // The process ended while being read, or is a kernel thread.
    }
  }
  return found;
}

describe('after down.sh nothing of the cluster is left', () => {
  test('no process of the cluster runs', () => {
    assert.deepEqual(processesRunningOurBinaries(), []);
  });

  test('no mount of the cluster remains', () => {
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(STATE_ROOT) || m.startsWith(RUN_ROOT) || /^\/(var\/)?run\/netns\/cni-/.test(m));
    assert.deepEqual(mounts, []);
  });

  test('no network namespace of a pod remains', async () => {
    const r = await run('ip', ['netns', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.startsWith('cni-')),
      [],
    );
  });

  test('no pod log directory remains', () => {
    const left = existsSync('/var/log/pods') ? readdirSync('/var/log/pods') : [];
    assert.deepEqual(left, []);
  });

  test(`the ${BRIDGE} bridge is gone`, () => {
    assert.ok(!readdirSync('/sys/class/net').includes(BRIDGE), `${BRIDGE} still exists`);
  });

  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    test(`${cmd} shows no KUBE-* or CNI-* chain or rule`, async () => {
      const r = await run(cmd, []);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        r.stdout.split('\n').filter((l) => /KUBE-|CNI-/.test(l)),
        [],
      );
    });
  }

  test('no cluster port listens and http://127.0.0.1:80 no longer reaches an Ingress', async () => {
    const r = await run('ss', ['-Hltn']);
    assert.equal(r.code, 0, r.stderr);
    const ports = r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const local = l.trim().split(/\s+/)[3] ?? '';
        return Number(local.slice(local.lastIndexOf(':') + 1));
      });
    assert.deepEqual(
      ports.filter((p) => CLUSTER_PORTS.includes(p)),
      [],
    );
    // The Ingress was reached through a DNAT rule, not a listener; unless some other program
    // listens on port 80, a connection must now be refused.
    if (!ports.includes(80)) await assert.rejects(httpGet('http://127.0.0.1:80/', { timeoutMs: 2_000 }));
  });
});
