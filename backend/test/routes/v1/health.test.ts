import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HEALTH_PATH, HealthFail, HealthOk, LIVENESS_PATH, READINESS_PATH } from '@todo/contract';
import { buildApp } from '../../../src/app.js';
import { backends, client, forEachBackend, signUp, testConfig, useApp } from '../../helper.js';
import { TcpProxy } from '../../proxy.js';

forEachBackend('health endpoints', (backend) => {
  const t = useApp(backend);

  it('answers healthy on /health, /health/live and /health/ready without a session', async () => {
    for (const url of [HEALTH_PATH, LIVENESS_PATH, READINESS_PATH]) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      const body = HealthOk.parse(res.json());
      assert.ok(Math.abs(Date.parse(body.timestamp) - Date.now()) < 60_000, 'timestamp is now');
    }
  });

  it('echoes a caller’s x-request-id and makes one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: LIVENESS_PATH, headers: { 'x-request-id': 'probe-123' } });
    assert.equal(given.headers['x-request-id'], 'probe-123');
    const made = await t.app.inject({ method: 'GET', url: LIVENESS_PATH, headers: { 'x-request-id': 'bad id\nwith newline' } });
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('serves Prometheus metrics with the request histogram labelled by route pattern', async () => {
    const me = client(t.app, (await signUp(t.app, 'metrics')).cookie);
    await me.get('/api/v1/todos/00000000-0000-4000-8000-000000000000');
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.body, /process_resident_memory_bytes \d+/);
    assert.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/todos\/:id",status_code="404"\} 1/);
    assert.doesNotMatch(res.body, /00000000-0000-4000/, 'ids never become labels');
  });

  it('serves the OpenAPI document with every todo route and the docs page', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/api/v1/todos', '/api/v1/todos/{id}', HEALTH_PATH, LIVENESS_PATH, READINESS_PATH]) assert.ok(doc.paths[p], p);
    assert.ok(doc.paths['/api/v1/todos'].post.requestBody);
    assert.ok(doc.paths['/api/v1/todos/{id}'].patch.responses['404']);
    const page = await t.app.inject({ method: 'GET', url: '/api/v1/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });

  it('on close: readiness flips at once, new connections are refused, the in-flight request completes', async () => {
    // A second app on the same database, listening on a real port: this one is closed here.
    const app = await buildApp(t.config, { migrate: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as net.AddressInfo;
    const { cookie } = await signUp(app, 'drain');
    const body = JSON.stringify({ title: 'sent slowly' });
    const sock = net.connect(port, '127.0.0.1');
    let response = '';
    sock.on('data', (d) => (response += d));
    const ended = new Promise((r) => sock.on('close', r));
    // Headers and half the body now, the rest after close() began: the request is in flight.
    sock.write(
      `POST /api/v1/todos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(app.shuttingDown, true, 'readiness reports shutting down');
    await assert.rejects(fetch(`http://127.0.0.1:${port}${READINESS_PATH}`), 'new connections are refused');
    const drainStart = Date.now();
    sock.write(body.slice(5));
    await closing;
    await ended;
    // The busy keep-alive connection is closed with its response, not after the 72 s keep-alive.
    assert.ok(Date.now() - drainStart < 5000, `close took ${Date.now() - drainStart} ms`);
    sock.destroy();
    assert.match(response, /^HTTP\/1\.1 201 /, `response: ${JSON.stringify(response)}`);
    assert.match(response, /"title":"sent slowly"/);
  });
});

// Real PostgreSQL only: PGlite runs inside the process and cannot become unreachable.
const pg = backends().find((b) => b.name === 'postgres');
describe('[postgres] health while the database is unreachable', { skip: pg ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let proxy: TcpProxy;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let dispose: () => Promise<void>;
  before(async () => {
    const db = await pg!.freshDatabase();
    dispose = db.dispose;
    const url = new URL(db.url!);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(await proxy.start());
    url.hostname = '127.0.0.1';
    app = await buildApp(testConfig({ DATABASE_URL: url.toString() }));
  });
  after(async () => {
    await app?.close();
    await proxy?.stop();
    await dispose?.();
  });

  it('ready fails fast and live stays up while the database is down; ready recovers when it returns', async () => {
    const me = client(app, (await signUp(app, 'outage')).cookie);
    assert.equal((await me.post('/api/v1/todos', { title: 'before the outage' })).statusCode, 201);
    assert.equal((await app.inject({ method: 'GET', url: READINESS_PATH })).statusCode, 200);

    await proxy.stop();
    const started = Date.now();
    const ready = await app.inject({ method: 'GET', url: READINESS_PATH });
    assert.equal(ready.statusCode, 503);
    assert.ok(Date.now() - started < 3000, `readiness answered in ${Date.now() - started} ms`);
    assert.match(HealthFail.parse(ready.json()).error, /database/);
    const health = await app.inject({ method: 'GET', url: HEALTH_PATH });
    assert.equal(health.statusCode, 503);
    assert.equal(health.json().status, 'unhealthy');
    const live = await app.inject({ method: 'GET', url: LIVENESS_PATH });
    assert.equal(live.statusCode, 200, 'liveness never depends on the database');
    const list = await me.get('/api/v1/todos');
    assert.equal(list.statusCode, 503, `a request needing the database: ${list.body}`);
    assert.equal(list.json().error.code, 'SERVICE_UNAVAILABLE');

    await proxy.start();
    let recovered = false;
    for (let i = 0; i < 20 && !recovered; i++) {
      recovered = (await app.inject({ method: 'GET', url: READINESS_PATH })).statusCode === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(recovered, 'readiness recovers once the database is back');
    const back = await me.get('/api/v1/todos');
    assert.equal(back.statusCode, 200);
    assert.equal(back.json().items[0].title, 'before the outage');
  });
});
