// The database goes away (PostgreSQL stopped on the host): the backend pods go unready but
// are not restarted (liveness never touches the database), the API answers clear 503s;
// started again, the pods are Ready within seconds and no acknowledged write is lost.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, HealthFail, READINESS_PATH } from '@todo/contract';
import {
  BACKEND,
  NS,
  PG_SCRIPT,
  check,
  createTodo,
  http,
  isReady,
  listTodos,
  nodeInPod,
  pods,
  recordFigure,
  restarts,
  signUp,
  sleep,
  waitFor,
  waitForDeployment,
} from './lib.js';

const pg = (cmd: 'stop' | 'start') => check('bash', [PG_SCRIPT, cmd], { timeoutMs: 60_000 });

describe(
  'PostgreSQL outage',
  { skip: PG_SCRIPT ? false : 'the database is not ours to stop (E2E_PG_SCRIPT unset: external cluster)' },
  () => {
    test('unready, not restarted, clear 503s; back within seconds; no acknowledged write lost', { timeout: 300_000 }, async () => {
      const user = await signUp();
      const acknowledged: string[] = [(await createTodo(user.cookie, 'written before the outage')).id];
      const before = await pods(NS, 'backend');
      assert.equal(before.length, 2);
      const restartsBefore = new Map(before.map((p) => [p.metadata.name, restarts(p)]));

      // A writer through the Ingress all along: every todo the API acknowledged must survive.
      let writing = true;
      let n = 0;
      const writer = (async () => {
        while (writing) {
          const title = `write ${++n}`;
          try {
            acknowledged.push((await createTodo(user.cookie, title, {})).id);
          } catch {
            // refused during the outage: not acknowledged, so nothing is owed
          }
          await sleep(200);
        }
      })();

      let stoppedAt: number;
      try {
        await pg('stop');
        stoppedAt = Date.now();
        await waitFor(
          'both backend pods to go unready',
          async () => {
            const ps = await pods(NS, 'backend');
            return ps.length === 2 && ps.every((p) => !isReady(p));
          },
          60_000,
          500,
        );
        const unreadyAfterS = (Date.now() - stoppedAt) / 1000;

        // The backend itself says why, in the health contract's shape.
        const victim = (await pods(NS, 'backend'))[0]!.metadata.name;
        const ready = JSON.parse(
          await nodeInPod(
            NS,
            victim,
            `const r = await fetch('http://127.0.0.1:8000${READINESS_PATH}'); console.log(JSON.stringify({ status: r.status, body: await r.json() }));`,
          ),
        );
        assert.equal(ready.status, 503);
        assert.match(HealthFail.parse(ready.body).error, /database/i);
        const direct = JSON.parse(
          await nodeInPod(
            NS,
            victim,
            `const r = await fetch('http://127.0.0.1:8000/api/v1/todos', { headers: { cookie: ${JSON.stringify(user.cookie)} } }); console.log(JSON.stringify({ status: r.status, body: await r.json() }));`,
          ),
        );
        assert.equal(direct.status, 503, `the API answered ${direct.status} directly: ${JSON.stringify(direct.body)}`);
        ApiError.parse(direct.body);

        // Through the Ingress: a clear 503 in the error shape, not a hang or a page.
        const viaIngress = await http('/api/v1/todos', { cookie: user.cookie });
        assert.equal(viaIngress.status, 503, `through the Ingress: ${viaIngress.status} ${viaIngress.body.slice(0, 200)}`);
        assert.match(String(viaIngress.headers['content-type']), /json/);
        ApiError.parse(JSON.parse(viaIngress.body));

        await sleep(5000); // several liveness periods with the database down
        const during = await pods(NS, 'backend');
        for (const p of during) assert.equal(restarts(p), restartsBefore.get(p.metadata.name), `${p.metadata.name} was restarted`);
        recordFigure('databaseOutage', { unreadyAfterS });
      } finally {
        await pg('start');
      }
      const startedAt = Date.now();
      await waitForDeployment(NS, BACKEND, 2, 60_000);
      const readyAfterS = (Date.now() - startedAt) / 1000;
      console.log(`backend Ready ${readyAfterS}s after PostgreSQL came back`);
      assert.ok(readyAfterS < 30, `Ready only after ${readyAfterS}s`);
      // Recovery means writes, not reads: a todo written after the outage must be acknowledged
      // and then found stored, alongside everything acknowledged before and during it.
      const afterOutage = await waitFor(
        'a write to succeed after the outage',
        async () => (await createTodo(user.cookie, 'written after the outage', {})).id,
        30_000,
      );
      acknowledged.push(afterOutage);
      await sleep(1000);
      writing = false;
      await writer;

      const after = await pods(NS, 'backend');
      for (const p of after) assert.equal(restarts(p), restartsBefore.get(p.metadata.name), `${p.metadata.name} was restarted`);
      const stored = new Set((await listTodos(user.cookie)).map((t) => t.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} acknowledged writes are missing`);
      assert.ok(stored.has(afterOutage), 'the todo written after the outage is not stored');
      recordFigure('databaseRecovery', { readyAfterS, acknowledgedWrites: acknowledged.length, lost: lost.length });
    });
  },
);
