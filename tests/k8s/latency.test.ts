// Figures: idle memory of each pod, and p50/p99 latency of `/`, /api/v1/health and a signed-in
// user's /api/v1/todos through the Ingress at a fixed 200 req/s for 30 s, with the latency
// target's verdict (p99 under 100 ms). Written to $E2E_STATE/figures.json; docs/performance.md
// quotes a run.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { HEALTH_PATH } from '@todo/contract';
import { createTodo, NS, nodeInPod, pods, recordFigure, signUp, steadyLoad, type LoadTarget } from './lib.js';

const RATE = Number(process.env.E2E_LATENCY_RATE ?? 200);
const SECONDS = Number(process.env.E2E_LATENCY_SECONDS ?? 30);

// Inside the container: PID 1's resident set, and the container's cgroup working set
// (usage minus inactive file cache, what the kubelet reports), cgroup v1 or v2.
const MEMORY_SCRIPT = `
import { readFileSync, existsSync } from 'node:fs';
const kb = (re, text) => Number(re.exec(text)?.[1] ?? NaN);
const rss = kb(/VmRSS:\\s+(\\d+) kB/, readFileSync('/proc/1/status', 'utf8')) * 1024;
let ws = NaN;
if (existsSync('/sys/fs/cgroup/memory.current')) {
  const stat = readFileSync('/sys/fs/cgroup/memory.stat', 'utf8');
  ws = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8')) - kb(/^inactive_file (\\d+)/m, stat);
} else if (existsSync('/sys/fs/cgroup/memory/memory.usage_in_bytes')) {
  const stat = readFileSync('/sys/fs/cgroup/memory/memory.stat', 'utf8');
  ws = Number(readFileSync('/sys/fs/cgroup/memory/memory.usage_in_bytes', 'utf8')) - kb(/^total_inactive_file (\\d+)/m, stat);
}
console.log(JSON.stringify({ rss, workingSet: ws }));
`;

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

describe('figures: idle memory and latency through the Ingress', () => {
  test('idle memory of each pod', async () => {
    const figures: Record<string, { rssMiB: number; workingSetMiB: number }> = {};
    for (const component of ['backend', 'frontend'] as const) {
      for (const p of await pods(NS, component)) {
        const m = JSON.parse(await nodeInPod(NS, p.metadata.name, MEMORY_SCRIPT));
        assert.ok(m.rss > 10 * 1024 * 1024, `${p.metadata.name}: implausible RSS ${m.rss}`);
        figures[p.metadata.name] = { rssMiB: mib(m.rss), workingSetMiB: mib(m.workingSet) };
      }
    }
    console.log('idle memory (MiB):', JSON.stringify(figures));
    recordFigure('idleMemoryMiB', figures);
  });

  // A user with a page of todos, for the authenticated API path.
  let cookie = '';
  before(async () => {
    const user = await signUp();
    for (let i = 0; i < 20; i++) await createTodo(user.cookie, `latency ${i}`);
    cookie = user.cookie;
  });

  const targets: { label: string; target: () => LoadTarget }[] = [
    { label: '/', target: () => ({ path: '/', ok: [200, 307, 308] }) },
    { label: HEALTH_PATH, target: () => ({ path: HEALTH_PATH }) },
    { label: '/api/v1/todos (signed in)', target: () => ({ path: '/api/v1/todos', cookie }) },
  ];
  for (const { label, target } of targets) {
    test(`GET ${label} at ${RATE} req/s for ${SECONDS} s: no failure; p50/p99 reported against the 100 ms target`, async () => {
      const [r] = await steadyLoad([target()], RATE, { durationSec: SECONDS, connections: 50 }).finished();
      assert.ok(r);
      console.log(`GET ${label}: ${JSON.stringify(r)}`);
      recordFigure(`latency ${label}`, { rate: RATE, seconds: SECONDS, ...r });
      assert.equal(r.failed, 0, `failed requests: ${JSON.stringify(r.statusCodes)} errors=${r.errors} timeouts=${r.timeouts}`);
      // The rate is what was offered; when the app cannot keep up, fewer requests complete
      // and the latencies include the queueing — reported, and judged by p50 below.
      if (r.rps < RATE * 0.9) console.log(`NOTE: ${label} sustained only ${r.rps} req/s of the ${RATE} offered`);
      // The latency target (< 100 ms) is a speed target: it is reported as a figure, not asserted — a
      // timed assertion would judge the machine's load, not the app (docs/performance.md
      // sets these figures beside the Ingress ceiling of a trivial backend).
      const verdict = r.p50 < 100 && r.p99 < 100 ? 'met' : 'NOT met on this machine';
      console.log(`latency target (p99 < 100 ms) for ${label}: p50 ${r.p50} ms, p99 ${r.p99} ms at ${r.rps} req/s sustained: ${verdict}`);
      recordFigure(`latency target ${label}`, verdict);
    });
  }
});
