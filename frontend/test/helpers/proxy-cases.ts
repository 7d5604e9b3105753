import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_MAX_BODY_BYTES } from '../../app/lib/proxy';
import { GZIPPED_TEXT } from './upstream';

/** One answer as the client got it: raw bytes (not decoded), every header line kept. */
export type Received = {
  status: number;
  header: (name: string) => string | undefined;
  setCookies: string[];
  body: Buffer;
  /** Milliseconds from sending until the first body byte arrived. */
  firstByteMs: number;
  totalMs: number;
};

export type SendInit = { method?: string; headers?: Record<string, string>; body?: Buffer | string };
export type Send = (path: string, init?: SendInit) => Promise<Received>;

/** Sends through a real HTTP server (e.g. the Next.js standalone server) with node:http. */
export function httpSender(baseUrl: string): Send {
  return (path, init = {}) =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const req = http.request(new URL(path, baseUrl), { method: init.method ?? 'GET', headers: init.headers }, (res) => {
        const chunks: Buffer[] = [];
        let firstByteMs = -1;
        res.on('data', (c: Buffer) => {
          if (firstByteMs < 0) firstByteMs = Date.now() - started;
          chunks.push(c);
        });
        res.on('end', () => {
          const raw = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            header: (n) => {
              const v = raw[n.toLowerCase()];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            setCookies: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks),
            firstByteMs,
            totalMs: Date.now() - started,
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    });
}

/** Reads a web Response (such as the one the route handler returns) into the same shape. */
export async function fromResponse(res: Response, started: number): Promise<Received> {
  const chunks: Buffer[] = [];
  let firstByteMs = -1;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (firstByteMs < 0) firstByteMs = Date.now() - started;
      chunks.push(Buffer.from(chunk));
    }
  }
  return {
    status: res.status,
    header: (n) => res.headers.get(n) ?? undefined,
    setCookies: res.headers.getSetCookie(),
    body: Buffer.concat(chunks),
    firstByteMs,
    totalMs: Date.now() - started,
  };
}

type Echo = {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaderNames: string[];
  bodyLength: number;
  bodySha256: string;
};

/**
 * The behaviour every path to the backend must have, run against the proxy function and
 * against the built Next.js server alike. `send` reaches an upstream from ./upstream.ts.
 * trustsClient: whether what the client says in X-Forwarded-* is taken as the chain so far
 * (the bare proxy function, which leaves that decision to the server in front of it).
 */
export function proxyContract(send: () => Send, { trustsClient }: { trustsClient: boolean }) {
  test('forwards method, path and query parameters unchanged', async () => {
    const r = await send()('/api/echo?q=a%20b%2Bc&status=pending&tag=x&tag=y&empty=');
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.method, 'GET');
    const url = new URL(echo.url, 'http://upstream');
    assert.match(url.pathname, /\/api\/echo$/);
    // Next.js re-serialises the query (a space may arrive as "+"); names, values and order stay.
    assert.deepEqual(
      [...url.searchParams],
      [
        ['q', 'a b+c'],
        ['status', 'pending'],
        ['tag', 'x'],
        ['tag', 'y'],
        ['empty', ''],
      ],
    );
  });

  test('streams a request body through byte for byte', async () => {
    // Exactly at the proxy's limit: the largest body it must still pass on.
    const body = randomBytes(DEFAULT_MAX_BODY_BYTES);
    const r = await send()('/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.bodyLength, body.length);
    assert.equal(echo.bodySha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(echo.headers['content-type'], 'application/octet-stream');
  });

  test('keeps Origin and cookies, sets X-Forwarded-Host/Proto, drops hop-by-hop request headers', async () => {
    const r = await send()('/api/echo', {
      method: 'POST',
      headers: {
        host: 'todo.example.test:3000',
        origin: 'http://todo.example.test:3000',
        cookie: 'better-auth.session_token=abc.def',
        'content-type': 'application/json',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'connection-scoped',
        'proxy-authorization': 'Basic c2VjcmV0',
        te: 'trailers',
      },
      body: '{"a":1}',
    });
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.headers.origin, 'http://todo.example.test:3000');
    assert.equal(echo.headers.cookie, 'better-auth.session_token=abc.def');
    assert.equal(echo.headers['x-forwarded-host'], 'todo.example.test:3000');
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.notEqual(echo.headers.host, 'todo.example.test:3000', 'Host names the backend, not the browser-facing host');
    for (const name of ['x-drop-me', 'proxy-authorization', 'te']) {
      assert.ok(!echo.rawHeaderNames.includes(name), `${name} must not reach the backend`);
    }
  });

  test(
    trustsClient ? 'keeps X-Forwarded-* set by a proxy in front' : "replaces the client's own X-Forwarded-* with what the connection shows",
    async () => {
      const r = await send()('/api/echo', {
        headers: {
          'x-forwarded-host': 'todo.example.com',
          'x-forwarded-proto': 'https',
          'x-forwarded-for': '203.0.113.7',
        },
      });
      const echo = JSON.parse(r.body.toString()) as Echo;
      if (trustsClient) {
        assert.equal(echo.headers['x-forwarded-host'], 'todo.example.com');
        assert.equal(echo.headers['x-forwarded-proto'], 'https');
        assert.match(echo.headers['x-forwarded-for'] ?? '', /^203\.0\.113\.7(, .+)?$/);
      } else {
        // One shared rate-limit bucket at the backend, or a picked one, is what trusting it gives.
        assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
        assert.equal(echo.headers['x-forwarded-proto'], 'http');
        assert.notEqual(echo.headers['x-forwarded-host'], 'todo.example.com');
      }
    },
  );

  test('passes every Set-Cookie header of an answer separately', async () => {
    const r = await send()('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"a@example.com","password":"x"}',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.setCookies, [
      'better-auth.session_token=abc.def; Path=/; HttpOnly; SameSite=Lax',
      'better-auth.session_data=xyz; Path=/; HttpOnly; SameSite=Lax; Max-Age=300',
    ]);
  });

  test('passes a redirect to the client instead of following it', async () => {
    const r = await send()('/api/redirect');
    assert.equal(r.status, 302);
    assert.equal(r.header('location'), '/api/somewhere-else?x=1');
  });

  test('asks the backend for an unencoded body', async () => {
    const r = await send()('/api/echo', { headers: { 'accept-encoding': 'gzip' } });
    // Next.js may compress the answer for this client; that is its hop, not the backend's.
    const body = r.header('content-encoding') === 'gzip' ? gunzipSync(r.body) : r.body;
    assert.equal((JSON.parse(body.toString()) as Echo).headers['accept-encoding'], 'identity');
  });

  test('a body the backend compressed anyway arrives readable, with a matching Content-Encoding', async () => {
    for (const accept of ['gzip', undefined]) {
      const r = await send()('/api/gzip', accept ? { headers: { 'accept-encoding': accept } } : {});
      assert.equal(r.status, 200);
      // Whatever the hops did, the header must describe the body the client got.
      const encoding = r.header('content-encoding');
      const text = encoding === 'gzip' ? gunzipSync(r.body).toString() : r.body.toString();
      assert.ok(encoding === undefined || encoding === 'gzip', `unexpected Content-Encoding ${encoding}`);
      assert.equal(text, GZIPPED_TEXT, `accept-encoding: ${accept ?? '(none)'}`);
    }
  });

  test('keeps status and end-to-end headers, drops hop-by-hop response headers', async () => {
    const r = await send()('/api/hop');
    assert.equal(r.status, 418);
    assert.equal(r.body.toString(), 'teapot');
    assert.equal(r.header('x-end-to-end'), 'passes');
    assert.equal(r.header('x-hop-secret'), undefined);
    // The server in front may send its own Keep-Alive for its own connection; never the backend's.
    assert.notEqual(r.header('keep-alive'), 'timeout=99');
  });

  test('answers 204 with no body', async () => {
    const r = await send()('/api/no-content', { method: 'DELETE' });
    assert.equal(r.status, 204);
    assert.equal(r.body.length, 0);
    assert.equal(r.header('x-end-to-end'), 'passes');
  });

  test('streams the answer: the first chunk arrives before the backend finishes', async () => {
    const r = await send()('/api/stream');
    assert.equal(r.body.toString(), 'first;last');
    assert.ok(r.firstByteMs >= 0 && r.firstByteMs < r.totalMs - 150, `first byte at ${r.firstByteMs} ms, end at ${r.totalMs} ms`);
  });

  test("passes the backend's own error answers through", async () => {
    const r = await send()('/api/v1/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.body.toString()).error.code, 'NOT_FOUND');
  });
}

/** The JSON error the proxy answers with when it cannot reach the backend. */
export function assertBadGateway(r: Received, status = 502, code = 'BAD_GATEWAY') {
  assert.equal(r.status, status);
  assert.match(r.header('content-type') ?? '', /application\/json/);
  const body = JSON.parse(r.body.toString()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
}
