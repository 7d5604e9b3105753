// What the web server checks before Next.js sees a request, for every path: pages and the
// /api proxy alike. Next.js (and the WHATWG Request it builds for route handlers) answers 500
// to some hostile input, and the standalone output cannot be combined with a custom server,
// so start.mjs hands Next's one HTTP server to harden() below.
//
// Plain JavaScript: it runs as is from the standalone output, with no build step of its own.

/** Node's default; named here so that the documented limit cannot drift from the real one. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Longest request target (path and query) accepted. Below MAX_HEADER_BYTES so that a long URL
 * is told apart from many headers: the client learns which of the two to shorten.
 */
export const MAX_URL_BYTES = 8 * 1024;

/**
 * Environment variable: how many proxies in front of this server may set X-Forwarded-*.
 * CONFIG_ENV.trustedProxyHops of the contract; spelled out so this file needs no build.
 */
export const TRUSTED_PROXY_HOPS_ENV = 'FRONTEND_TRUSTED_PROXY_HOPS';

/** What the app routes. TRACE would echo request headers (cookies) back; WHATWG Request refuses it. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Reads FRONTEND_TRUSTED_PROXY_HOPS. A wrong value stops the server rather than silently
 * trusting (or distrusting) every client's own X-Forwarded-For.
 * @param {string | undefined} raw
 * @returns {number}
 */
export function parseTrustedHops(raw) {
  const value = (raw ?? '').trim();
  if (value === '') return 0;
  if (!/^\d+$/.test(value) || Number(value) > 10) {
    throw new Error(`${TRUSTED_PROXY_HOPS_ENV}="${value}" must be a whole number from 0 to 10 (the proxies in front of this server)`);
  }
  return Number(value);
}

/**
 * Splits a comma-separated header value (which Node joins from repeated lines).
 * @param {string | string[] | undefined} value
 */
function list(value) {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The X-Forwarded-* headers as this server vouches for them. With no trusted hop, whatever the
 * client sent is a claim of the client and is replaced: otherwise any client picks its own
 * rate-limit bucket at the backend, or claims https. With N trusted hops, the last N entries
 * of the incoming chain were written by those proxies and are kept, then the peer address.
 * @param {{ headers: import('node:http').IncomingHttpHeaders, remoteAddress: string | undefined, encrypted: boolean, trustedHops: number }} input
 * @returns {{ 'x-forwarded-for'?: string, 'x-forwarded-proto': string, 'x-forwarded-host'?: string }}
 */
export function forwardedHeaders({ headers, remoteAddress, encrypted, trustedHops }) {
  const trusted = trustedHops > 0;
  const chain = trusted ? list(headers['x-forwarded-for']).slice(-trustedHops) : [];
  if (remoteAddress) chain.push(remoteAddress.replace(/^::ffff:/, ''));
  // The proxy nearest to us wrote the last value; earlier ones came from further out.
  const proto = trusted ? list(headers['x-forwarded-proto']).at(-1) : undefined;
  const host = (trusted ? list(headers['x-forwarded-host']).at(-1) : undefined) ?? headers.host;
  /** @type {{ 'x-forwarded-for'?: string, 'x-forwarded-proto': string, 'x-forwarded-host'?: string }} */
  const out = { 'x-forwarded-proto': proto === 'https' || proto === 'http' ? proto : encrypted ? 'https' : 'http' };
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  if (host) out['x-forwarded-host'] = host;
  return out;
}

/**
 * @typedef {{ status: number, headers?: Record<string, string>, code: string, message: string }} Refusal
 */

/**
 * A request this server answers itself, or null to hand it to Next.js.
 * @param {{ method?: string, url?: string }} req
 * @returns {Refusal | null}
 */
export function refusal(req) {
  const method = (req.method ?? '').toUpperCase();
  if (!ALLOWED_METHODS.includes(method)) {
    return {
      status: 405,
      headers: { allow: ALLOWED_METHODS.join(', ') },
      code: 'METHOD_NOT_ALLOWED',
      message: `The method ${method} is not allowed here; allowed: ${ALLOWED_METHODS.join(', ')}.`,
    };
  }
  const target = req.url ?? '/';
  if (Buffer.byteLength(target) > MAX_URL_BYTES) return uriTooLong();
  const path = target.split('?', 1)[0] ?? '';
  try {
    decodeURIComponent(path);
  } catch {
    return {
      status: 400,
      code: 'BAD_REQUEST',
      message: 'The request path has an invalid percent-encoding (each % must start a UTF-8 byte sequence such as %C3%A9).',
    };
  }
  return null;
}

/** @returns {Refusal} */
function uriTooLong() {
  return { status: 414, code: 'URI_TOO_LONG', message: `The URL is longer than the limit of ${MAX_URL_BYTES} bytes.` };
}

/**
 * The answer, in the API's error shape, as the bytes of a complete HTTP/1.1 response.
 * @param {Refusal} r
 * @param {string} reason
 */
export function rawResponse(r, reason) {
  const body = JSON.stringify({ error: { code: r.code, message: r.message } });
  const head = [
    `HTTP/1.1 ${r.status} ${reason}`,
    'content-type: application/json; charset=utf-8',
    'cache-control: no-store',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * What to answer to a request Node's parser rejected before any request handler ran.
 * @param {NodeJS.ErrnoException & { rawPacket?: Buffer }} err
 * @returns {{ refusal: Refusal, reason: string } | null} null when nothing can be answered
 */
export function clientErrorAnswer(err) {
  if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return null;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    // The parser reports the whole head as too large; a request line without its end in the
    // bytes read so far (or a long one) means the URL is what has to shrink.
    const packet = err.rawPacket;
    const lineEnd = packet ? packet.indexOf('\r\n') : -1;
    if (lineEnd < 0 || lineEnd > MAX_URL_BYTES) return { refusal: uriTooLong(), reason: 'URI Too Long' };
    return {
      refusal: {
        status: 431,
        code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
        message: `The request headers are larger than the limit of ${MAX_HEADER_BYTES} bytes.`,
      },
      reason: 'Request Header Fields Too Large',
    };
  }
  return { refusal: { status: 400, code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1.' }, reason: 'Bad Request' };
}

const REASONS = /** @type {Record<number, string>} */ ({ 400: 'Bad Request', 405: 'Method Not Allowed', 414: 'URI Too Long' });

/**
 * Wraps a request listener of an HTTP server: refuses what Next.js cannot handle cleanly and
 * sets X-Forwarded-* from the socket before Next (which only fills in missing ones) reads them.
 * @param {import('node:http').RequestListener} listener
 * @param {{ trustedHops: number }} options
 * @returns {import('node:http').RequestListener}
 */
export function guardListener(listener, { trustedHops }) {
  return (req, res) => {
    const r = refusal(req);
    if (r) {
      const body = JSON.stringify({ error: { code: r.code, message: r.message } });
      res.writeHead(r.status, REASONS[r.status], {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
        ...r.headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const socket = req.socket;
    const forwarded = forwardedHeaders({
      headers: req.headers,
      remoteAddress: socket.remoteAddress,
      encrypted: 'encrypted' in socket && !!socket.encrypted,
      trustedHops,
    });
    // Next.js fills in a missing X-Forwarded-Port with its own; a trusted proxy's is the public one.
    const replaced = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'];
    if (trustedHops === 0) replaced.push('x-forwarded-port');
    for (const name of replaced) delete req.headers[name];
    Object.assign(req.headers, forwarded);
    return listener(req, res);
  };
}

/**
 * Answers requests that Node's parser rejects (a URL or head over the limit, malformed HTTP)
 * instead of resetting the connection, so that the client sees why.
 * @param {import('node:http').Server} server
 */
export function answerClientErrors(server) {
  server.on('clientError', (err, socket) => {
    const answer = clientErrorAnswer(err);
    // A keep-alive connection may be half-way through an earlier response (Node's own check).
    const response = /** @type {{ _httpMessage?: { headersSent: boolean } }} */ (socket)._httpMessage;
    if (!answer || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    // end(), not destroy(): the response must be flushed before the FIN. Reading on until the
    // client is done keeps the kernel from answering its unread bytes with a reset, which
    // would throw the response away; a client that never finishes is cut off after a while.
    socket.end(rawResponse(answer.refusal, answer.reason));
    socket.on('error', () => socket.destroy());
    socket.resume();
    setTimeout(() => socket.destroy(), 5_000).unref();
  });
}
