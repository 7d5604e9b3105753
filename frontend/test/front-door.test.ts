import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { after, before, describe, test } from 'node:test';
import {
  answerClientErrors,
  forwardedHeaders,
  guardListener,
  MAX_URL_BYTES,
  parseTrustedHops,
  TRUSTED_PROXY_HOPS_ENV,
} from '../front-door/guard.mjs';
import { CONFIG_ENV } from '@todo/contract';
import { proxyRequest } from '../app/lib/proxy';
import { httpSender } from './helpers/proxy-cases';
import { startUpstream, type Upstream } from './helpers/upstream';

/**
 * The request checks the production server runs before Next.js (front-door/guard.mjs), on a
 * real HTTP server whose handler hands requests to the /api proxy the way Next.js does: as a
 * web Request that knows nothing of the socket.
 */
async function startFrontDoor(apiBaseUrl: string, trustedHops: number) {
  const handler: http.RequestListener = async (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream);
    const init: RequestInit & { duplex: 'half' } = { method: req.method, headers, body, duplex: 'half' };
    const response = await proxyRequest(new Request(new URL(req.url ?? '/', `http://${req.headers.host}`), init), { apiBaseUrl });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) Readable.fromWeb(response.body as unknown as NodeWebReadableStream<Uint8Array>).pipe(res);
    else res.end();
  };
  const server = http.createServer(guardListener(handler, { trustedHops }));
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Echo = { headers: Record<string, string> };

describe('front door (front-door/guard.mjs) in front of the /api proxy', () => {
  let upstream: Upstream;
  let direct: Awaited<ReturnType<typeof startFrontDoor>>;
  let behindOneProxy: Awaited<ReturnType<typeof startFrontDoor>>;
  before(async () => {
    upstream = await startUpstream();
    direct = await startFrontDoor(upstream.url, 0);
    behindOneProxy = await startFrontDoor(upstream.url, 1);
  });
  after(async () => {
    await Promise.all([direct.close(), behindOneProxy.close()]);
    await upstream.close();
  });

  test("the backend sees the socket's address, not an X-Forwarded-For the client made up", async () => {
    const r = await httpSender(direct.url)('/api/echo', {
      headers: {
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-port': '8443',
      },
    });
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(echo.headers['x-forwarded-port'], undefined);
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers['x-forwarded-host'], new URL(direct.url).host);
  });

  test('behind one trusted proxy: keeps the address that proxy saw and appends its own', async () => {
    const r = await httpSender(behindOneProxy.url)('/api/echo', {
      headers: {
        'x-forwarded-for': '203.0.113.7, 198.51.100.20',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'todo.example.com',
        'x-forwarded-port': '443',
      },
    });
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.headers['x-forwarded-port'], '443');
    // 203.0.113.7 came from before the trusted proxy: a claim of the client, dropped.
    assert.equal(echo.headers['x-forwarded-for'], '198.51.100.20, 127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'https');
    assert.equal(echo.headers['x-forwarded-host'], 'todo.example.com');
  });

  test('TRACE is answered 405 with Allow', async () => {
    const r = await httpSender(direct.url)('/api/v1/todos', { method: 'TRACE' });
    assert.equal(r.status, 405);
    assert.match(r.header('allow') ?? '', /GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS/);
    assert.equal(JSON.parse(r.body.toString()).error.code, 'METHOD_NOT_ALLOWED');
  });

  test('a path with a broken percent-encoding is answered 400 naming it', async () => {
    const r = await httpSender(direct.url)('/api/v1/todos/%ff');
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body.toString()).error.message, /percent-encoding/);
  });

  test('a URL over the limit is answered 414, whether or not Node parsed it', async () => {
    for (const length of [MAX_URL_BYTES + 1, 20 * 1024, 100 * 1024]) {
      const r = await httpSender(direct.url)(`/api/${'a'.repeat(length)}`);
      assert.equal(r.status, 414, `a ${length}-byte URL`);
      assert.match(JSON.parse(r.body.toString()).error.message, new RegExp(`limit of ${MAX_URL_BYTES} bytes`));
    }
  });

  test('headers over the limit are answered 431 rather than a reset', async () => {
    const r = await httpSender(direct.url)('/api/echo', { headers: { 'x-big': 'b'.repeat(20 * 1024) } });
    assert.equal(r.status, 431);
  });
});

describe('forwardedHeaders', () => {
  const base = { remoteAddress: '::ffff:10.0.0.5', encrypted: false };
  test('with no trusted hop, only the connection counts', () => {
    assert.deepEqual(forwardedHeaders({ ...base, trustedHops: 0, headers: { host: 'a.test', 'x-forwarded-for': '1.2.3.4' } }), {
      'x-forwarded-for': '10.0.0.5',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'a.test',
    });
  });
  test('with two trusted hops, keeps the last two entries of the chain', () => {
    const out = forwardedHeaders({ ...base, trustedHops: 2, headers: { 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 3.3.3.3' } });
    assert.equal(out['x-forwarded-for'], '2.2.2.2, 3.3.3.3, 10.0.0.5');
  });
  test('a proto other than http or https is not passed on', () => {
    const out = forwardedHeaders({ ...base, trustedHops: 1, headers: { 'x-forwarded-proto': 'javascript' } });
    assert.equal(out['x-forwarded-proto'], 'http');
  });
});

describe('parseTrustedHops', () => {
  test('reads the variable the contract (and so the chart) names', () => {
    assert.equal(TRUSTED_PROXY_HOPS_ENV, CONFIG_ENV.trustedProxyHops);
  });
  test('defaults to 0 and refuses what is not a small whole number', () => {
    assert.equal(parseTrustedHops(undefined), 0);
    assert.equal(parseTrustedHops(' 1 '), 1);
    for (const bad of ['-1', 'yes', '1.5', '99']) assert.throws(() => parseTrustedHops(bad), /FRONTEND_TRUSTED_PROXY_HOPS/);
  });
});
