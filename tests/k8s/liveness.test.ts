// Liveness: one backend pod is made to hang — its event loop blocked forever through
// the Node.js inspector, so the process lives but answers nothing — and the kubelet's
// liveness probe restarts it: restartCount rises, the pod comes back Ready, and the other
// replica kept serving through the Ingress all along.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEALTH_PATH } from '@todo/contract';
import {
  NS,
  http,
  isReady,
  kubectlJson,
  nodeInPod,
  pods,
  recordFigure,
  restarts,
  sleep,
  waitFor,
  waitForDeployment,
  BACKEND,
} from './lib.js';

// Run inside the victim's container: SIGUSR1 makes Node (PID 1) open its inspector on
// 127.0.0.1:9229 (a signal PID 1 has a handler for, so it is delivered within the pod's PID
// namespace); Runtime.evaluate then runs an endless loop on the main thread.
const FREEZE_SCRIPT = `
process.kill(1, 'SIGUSR1');
let list;
for (let i = 0; i < 50 && !list; i++) {
  try { list = await (await fetch('http://127.0.0.1:9229/json/list')).json(); } catch { await new Promise((r) => setTimeout(r, 200)); }
}
if (!list?.[0]) { console.error('the inspector did not open'); process.exit(2); }
const ws = new WebSocket(list[0].webSocketDebuggerUrl);
ws.onopen = () => {
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: 'for (;;) {}' } }));
  setTimeout(() => { console.log('frozen'); process.exit(0); }, 500);
};
ws.onerror = (e) => { console.error('inspector connection failed: ' + e.message); process.exit(3); };
`;

/** Fires GET /api/v1/health through the Ingress every 100 ms; records when each one succeeded. */
function prober() {
  const results: { at: number; ok: boolean }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      http(HEALTH_PATH, { timeoutMs: 2000 })
        .then((a) => results.push({ at, ok: a.status === 200 }))
        .catch(() => results.push({ at, ok: false }));
      await sleep(100);
    }
  })();
  return {
    results,
    stop: async () => {
      running = false;
      await loop;
      await sleep(2500);
      return results;
    },
  };
}

describe('a hung backend is restarted by its liveness probe', () => {
  test('restartCount rises, the pod returns Ready, the other replica kept serving', { timeout: 300_000 }, async () => {
    const before = await pods(NS, 'backend');
    assert.equal(before.length, 2);
    assert.ok(before.every(isReady));
    const [victim, survivor] = before as [(typeof before)[0], (typeof before)[0]];
    const probe = prober();
    await sleep(2000);

    const frozenAt = Date.now();
    assert.match(await nodeInPod(NS, victim.metadata.name, FREEZE_SCRIPT), /frozen/);
    // The victim really hangs: its own liveness endpoint no longer answers.
    const selfCheck = await nodeInPod(
      NS,
      victim.metadata.name,
      `try { await fetch('http://127.0.0.1:8000/api/v1/health/live', { signal: AbortSignal.timeout(2000) }); console.log('answered'); } catch { console.log('hung'); }`,
    );
    assert.match(selfCheck, /hung/);

    const restarted = await waitFor(
      'the kubelet to restart the hung container',
      async () => {
        const p = (await pods(NS, 'backend')).find((x) => x.metadata.name === victim.metadata.name);
        return p && restarts(p) > restarts(victim) && p;
      },
      180_000,
      1000,
    );
    const restartedAfterS = (Date.now() - frozenAt) / 1000;
    await waitForDeployment(NS, BACKEND, 2, 120_000);
    const readyAfterS = (Date.now() - frozenAt) / 1000;
    const results = await probe.stop();

    const events = await kubectlJson<any>(['-n', NS, 'get', 'events', '--field-selector', `involvedObject.name=${victim.metadata.name}`]);
    assert.ok(
      events.items.some((e: any) => /Liveness probe failed/.test(e.message ?? '')),
      'an event says the liveness probe failed',
    );
    const after = await pods(NS, 'backend');
    assert.equal(
      restarts(after.find((p) => p.metadata.name === survivor.metadata.name)!),
      restarts(survivor),
      'the other replica was not restarted',
    );
    assert.equal(
      after.find((p) => p.metadata.name === victim.metadata.name)?.metadata.uid,
      victim.metadata.uid,
      'the same pod, its container restarted',
    );

    // Served all along: every 5 s window from the freeze to Ready again saw successes.
    const windowMs = 5000;
    for (let t = frozenAt; t < frozenAt + readyAfterS * 1000 - windowMs; t += windowMs) {
      const inWindow = results.filter((r) => r.at >= t && r.at < t + windowMs);
      assert.ok(
        inWindow.some((r) => r.ok),
        `no successful request between +${(t - frozenAt) / 1000}s and +${(t - frozenAt + windowMs) / 1000}s`,
      );
    }
    const failed = results.filter((r) => r.at >= frozenAt && !r.ok).length;
    const total = results.filter((r) => r.at >= frozenAt).length;
    console.log(
      `restart after ${restartedAfterS}s, Ready after ${readyAfterS}s; ${failed}/${total} probes failed (those routed to the hung pod before it left the endpoints)`,
    );
    recordFigure('liveness', { restartedAfterS, readyAfterS, requests: total, failedWhileHung: failed, restartCount: restarts(restarted) });
  });
});
