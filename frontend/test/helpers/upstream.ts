import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A real HTTP server standing in for the backend in proxy tests: it reports what reached it
 * and answers with the awkward things a proxy must pass through untouched.
 */
export type Upstream = { url: string; close: () => Promise<void> };

export const GZIPPED_TEXT = 'compressed body, '.repeat(50);

/** The body limit of /api/limited, below the proxy's own. */
export const LIMITED_BODY_BYTES = 64 * 1024;

export async function startUpstream(): Promise<Upstream> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    switch (url.pathname.replace(/^\/prefix/, '')) {
      case '/api/echo': {
        const hash = createHash('sha256');
        let length = 0;
        req.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          length += chunk.length;
        });
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              headers: req.headers,
              rawHeaderNames: req.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()),
              bodyLength: length,
              bodySha256: hash.digest('hex'),
            }),
          );
        });
        return;
      }
      case '/api/auth/sign-in/email':
        // Two cookies in one answer, as Better Auth sends (session token and its cache).
        res.setHeader('set-cookie', [
          'better-auth.session_token=abc.def; Path=/; HttpOnly; SameSite=Lax',
          'better-auth.session_data=xyz; Path=/; HttpOnly; SameSite=Lax; Max-Age=300',
        ]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"user":{"id":"u1"}}');
        return;
      case '/api/redirect':
        res.writeHead(302, { location: '/api/somewhere-else?x=1' });
        res.end();
        return;
      case '/api/gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync(GZIPPED_TEXT));
        return;
      case '/api/odd-encoding':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'x-unheard-of' });
        res.end('????');
        return;
      case '/api/hop':
        res.writeHead(418, {
          connection: 'keep-alive, x-hop-secret',
          'keep-alive': 'timeout=99',
          'x-hop-secret': 'must not pass',
          'x-end-to-end': 'passes',
          'content-type': 'text/plain',
        });
        res.end('teapot');
        return;
      case '/api/no-content':
        res.writeHead(204, { 'x-end-to-end': 'passes' });
        res.end();
        return;
      case '/api/stream': {
        // The first chunk must reach the client before the last one is written.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        setTimeout(() => res.end('last'), 300);
        return;
      }
      case '/api/limited': {
        // As the backend does with a body over its limit: answer 413 and drop the connection
        // without reading the rest, which the client may see as a reset instead.
        let length = 0;
        req.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > LIMITED_BODY_BYTES && !res.headersSent) {
            res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
            res.end(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'too large' } }));
            req.socket.destroy();
          }
        });
        req.on('end', () => {
          if (!res.headersSent) res.end('{}');
        });
        return;
      }
      case '/api/hang':
        // Never answers: the proxy's timeout must.
        return;
      default:
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no ${url.pathname}` } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
