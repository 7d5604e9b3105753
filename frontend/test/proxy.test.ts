import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MAX_BODY_BYTES, parseBaseUrl, proxyRequest } from '../app/lib/proxy';
import { assertBadGateway, fromResponse, proxyContract, type Send } from './helpers/proxy-cases';
import { closedPort, LIMITED_BODY_BYTES, startUpstream, type Upstream } from './helpers/upstream';

/** Calls the route handler's proxy function as Next.js would, with a web Request. */
function directSender(apiBaseUrl: string, options: { timeoutMs?: number; clientAddress?: string; maxBodyBytes?: number } = {}): Send {
  return async (path, init = {}) => {
    const started = Date.now();
    const headers = new Headers(init.headers);
    if (!headers.has('host')) headers.set('host', 'localhost:3000');
    const body = typeof init.body === 'string' || init.body === undefined ? init.body : new Uint8Array(init.body);
    // duplex: Node's Request needs it for a request body; the DOM typings do not know it yet.
    const requestInit: RequestInit & { duplex: 'half' } = { method: init.method ?? 'GET', headers, body, duplex: 'half' };
    const request = new Request(new URL(path, 'http://localhost:3000'), requestInit);
    return fromResponse(await proxyRequest(request, { apiBaseUrl, ...options }), started);
  };
}

describe('proxyRequest (app/api/[...path] route handler)', () => {
  let upstream: Upstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(() => upstream.close());

  describe('against a live backend', () => {
    proxyContract(() => directSender(upstream.url), { trustsClient: true });
  });

  test('appends the client address to X-Forwarded-For', async () => {
    const r = await directSender(upstream.url, { clientAddress: '198.51.100.9' })('/api/echo', {
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    assert.equal(JSON.parse(r.body.toString()).headers['x-forwarded-for'], '203.0.113.7, 198.51.100.9');
  });

  describe('a request body over the limit', () => {
    const tooLarge = (r: { status: number; body: Buffer }, limit: number) => {
      assert.equal(r.status, 413);
      const error = JSON.parse(r.body.toString()).error as { code: string; message: string };
      assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(error.message, new RegExp(`limit of ${limit} bytes`));
    };

    test('is refused with 413 naming the limit when its Content-Length says so', async () => {
      const body = Buffer.alloc(10 * 1024 * 1024);
      const r = await directSender(upstream.url)('/api/echo', {
        method: 'POST',
        headers: { 'content-length': String(body.length) },
        body,
      });
      tooLarge(r, DEFAULT_MAX_BODY_BYTES);
    });

    test('without a length, is counted as it streams and refused with 413 at the limit', async () => {
      const limit = 1000;
      const at = await directSender(upstream.url, { maxBodyBytes: limit })('/api/echo', { method: 'POST', body: Buffer.alloc(limit) });
      assert.equal(JSON.parse(at.body.toString()).bodyLength, limit);
      tooLarge(
        await directSender(upstream.url, { maxBodyBytes: limit })('/api/echo', { method: 'POST', body: Buffer.alloc(limit + 1) }),
        limit,
      );
    });

    test('gets 413 every time, also from a backend that drops the connection on it', async () => {
      // The backend's own 413 may be lost in the reset; the answer must not then turn into 502.
      for (let i = 0; i < 8; i++) {
        const r = await directSender(upstream.url)('/api/limited', { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024) });
        assert.equal(r.status, 413, `try ${i + 1}: ${r.status} ${r.body.toString()}`);
      }
    });

    test('a body the backend refuses below the proxy limit still gets its 413, not 502', async () => {
      for (let i = 0; i < 8; i++) {
        const r = await directSender(upstream.url)('/api/limited', { method: 'POST', body: Buffer.alloc(LIMITED_BODY_BYTES * 4) });
        assert.notEqual(r.status, 502, `try ${i + 1}: ${r.body.toString()}`);
      }
    });
  });

  test('keeps a path prefix of API_BASE_URL', async () => {
    const r = await directSender(`${upstream.url}/prefix/`)('/api/echo?x=1');
    assert.equal(JSON.parse(r.body.toString()).url, '/prefix/api/echo?x=1');
  });

  test('answers 502 BAD_GATEWAY in the API error shape when the backend is down', async () => {
    const port = await closedPort();
    assertBadGateway(await directSender(`http://127.0.0.1:${port}`)('/api/v1/todos'));
  });

  test('answers 502 when the backend host does not resolve', async () => {
    assertBadGateway(await directSender('http://backend.invalid:8000')('/api/v1/todos'));
  });

  test('answers 504 GATEWAY_TIMEOUT when the backend sends nothing in time', async () => {
    const r = await directSender(upstream.url, { timeoutMs: 300 })('/api/hang');
    assertBadGateway(r, 504, 'GATEWAY_TIMEOUT');
  });

  test('answers 502 rather than pass on a body in a coding it cannot undo', async () => {
    assertBadGateway(await directSender(upstream.url)('/api/odd-encoding'));
  });

  test('answers 502 naming nothing internal when API_BASE_URL is missing or malformed', async () => {
    for (const bad of [undefined, '', 'not a url', 'ftp://backend:21']) {
      const r = await directSender(bad as string)('/api/v1/todos');
      assertBadGateway(r);
    }
  });
});

describe('parseBaseUrl', () => {
  test('accepts http and https URLs', () => {
    assert.equal(parseBaseUrl('http://127.0.0.1:8000').host, '127.0.0.1:8000');
    assert.equal(parseBaseUrl(' https://api.example.com ').protocol, 'https:');
  });
  test('names API_BASE_URL in every complaint', () => {
    for (const bad of [undefined, '', 'backend:8000/x y', 'ftp://x']) {
      assert.throws(() => parseBaseUrl(bad), /API_BASE_URL/);
    }
  });
});
