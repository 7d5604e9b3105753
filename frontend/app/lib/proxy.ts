import http from 'node:http';
import https from 'node:https';
import { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import type { ApiError } from '@todo/contract';

/**
 * Forwards one browser request for `/api/*` to the backend and streams the answer back.
 *
 * Outside a cluster nothing else routes `/api` (in Kubernetes the Ingress does), so the
 * Next.js server stands in for it. It is written on node:http rather than fetch() because
 * fetch follows redirects and folds headers; a proxy must pass redirects through as they
 * came, and must keep every Set-Cookie header of a Better Auth answer separate.
 *
 * Bodies travel decoded: Next.js drops Content-Encoding (and Content-Length) from every
 * route handler response, so an encoded body would reach the browser without the header
 * that says how to read it. The backend is asked for `identity`; a body it encodes anyway is
 * decoded here. Next.js compresses the answer again for clients that accept it.
 */

/** RFC 9110 §7.6.1: connection-scoped headers that a proxy must not forward. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Set afresh from what this hop knows; an incoming value is used only as the chain so far. */
const FORWARDED = new Set(['host', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'accept-encoding']);

/** Content codings this proxy can undo (RFC 9110 §8.4.1). */
const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

// Keep-alive to the backend: the latency target through the Ingress (p99 < 100 ms) allows no new TCP handshake per request.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export type ProxyOptions = {
  /** The backend's base URL, e.g. http://127.0.0.1:8000 (read at request time by the caller). */
  apiBaseUrl: string | undefined;
  /** The peer address of the client, appended to X-Forwarded-For when known. */
  clientAddress?: string;
  /** Gives up on a backend that sends no response head within this time. */
  timeoutMs?: number;
  /** Largest request body passed on; a larger one is answered with 413. */
  maxBodyBytes?: number;
};

export const DEFAULT_PROXY_TIMEOUT_MS = 120_000;

/**
 * 1 MiB: what nginx allows by default, so the Compose proxy (client_max_body_size 1m) and
 * ingress-nginx draw the same line. The backend's own limit is lower; it answers for itself.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(limit: number): Response {
  return errorResponse(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes.`);
}

export function errorResponse(status: number, code: string, message: string): Response {
  const body: ApiError = { error: { code, message } };
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/** Parses API_BASE_URL; a value with a path keeps it as a prefix (the request path is appended). */
export function parseBaseUrl(raw: string | undefined): URL {
  const value = raw?.trim();
  if (!value) throw new Error('API_BASE_URL is not set: set it to the backend URL, e.g. http://127.0.0.1:8000');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`API_BASE_URL "${value}" is not a URL such as http://127.0.0.1:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`API_BASE_URL "${value}" must use http or https`);
  }
  return url;
}

/** Names listed in a Connection header are hop-by-hop for that message too. */
function connectionTokens(value: string | null | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const t of (value ?? '').split(',')) {
    const name = t.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens;
}

export function buildUpstreamHeaders(request: Request, options: Pick<ProxyOptions, 'clientAddress'> = {}) {
  const incoming = request.headers;
  const dropped = connectionTokens(incoming.get('connection'));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || dropped.has(name) || FORWARDED.has(name)) continue;
    // Headers iterates set-cookie apart and joins the rest; a request has no set-cookie.
    out[name] = value;
  }
  const url = new URL(request.url);
  out['x-forwarded-host'] = incoming.get('x-forwarded-host') ?? incoming.get('host') ?? url.host;
  out['x-forwarded-proto'] = incoming.get('x-forwarded-proto') ?? url.protocol.replace(/:$/, '');
  const chain = [incoming.get('x-forwarded-for'), options.clientAddress].filter((v): v is string => !!v);
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  out['accept-encoding'] = 'identity';
  return out;
}

export function buildResponseHeaders(res: http.IncomingMessage, options: { decoded?: boolean } = {}): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  let dropped = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') dropped = connectionTokens(raw[i + 1]);
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || dropped.has(name)) continue;
    // A body decoded here has neither its coding nor its length any more.
    if (options.decoded && (name === 'content-encoding' || name === 'content-length')) continue;
    // append, not set: each Set-Cookie must reach the browser as its own header.
    headers.append(name, raw[i + 1]!);
  }
  return headers;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}

export async function proxyRequest(request: Request, options: ProxyOptions): Promise<Response> {
  let base: URL;
  try {
    base = parseBaseUrl(options.apiBaseUrl);
  } catch (err) {
    console.error(`[proxy] ${(err as Error).message}`);
    return errorResponse(502, 'BAD_GATEWAY', 'The API is not configured on this server (API_BASE_URL).');
  }

  const incoming = new URL(request.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const target = new URL(base.origin);
  target.pathname = prefix + incoming.pathname;
  target.search = incoming.search;

  const method = request.method.toUpperCase();
  const hasBody = !BODYLESS_METHODS.has(method) && request.body !== null;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const transport = target.protocol === 'https:' ? https : http;

  // Refused before connecting: a backend that stops reading a body it will refuse resets the
  // connection, and the client would get a 502 instead of the reason.
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (hasBody && declared > maxBodyBytes) {
    request.body?.cancel().catch(() => {});
    return tooLarge(maxBodyBytes);
  }

  return new Promise<Response>((resolve) => {
    let settled = false;
    let sent = 0;
    let counter: Transform | undefined;
    const fail = (status: number, code: string, message: string, err: unknown) => {
      if (settled) return;
      settled = true;
      console.error(`[proxy] ${method} ${incoming.pathname} → ${target.origin}: ${describe(err)}`);
      resolve(errorResponse(status, code, message));
    };

    const upstream = transport.request(target, {
      method,
      headers: buildUpstreamHeaders(request, options),
      agent: agents[target.protocol as 'http:' | 'https:'],
      signal: request.signal,
    });

    upstream.setTimeout(timeoutMs, () => {
      upstream.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });

    const failUpstream = (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
        fail(504, 'GATEWAY_TIMEOUT', 'The API did not answer in time. Please try again.', err);
      } else {
        fail(502, 'BAD_GATEWAY', 'The API is unreachable right now. Please try again in a moment.', err);
      }
    };
    const refuseBody = () => {
      if (settled) return;
      settled = true;
      resolve(tooLarge(maxBodyBytes));
    };

    upstream.on('error', (err) => {
      if (sent > maxBodyBytes) {
        refuseBody();
      } else if (counter && !counter.writableFinished) {
        // The backend stopped reading the body (it refuses large ones by closing): whether
        // that is a 413 or a 502 depends on the rest of the body, so it is read and dropped.
        counter.unpipe(upstream);
        counter.on('end', () => failUpstream(err));
        counter.resume();
      } else {
        failUpstream(err);
      }
    });

    upstream.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      // The head arrived; a slow body (a long chat answer) is not a timeout of ours.
      upstream.setTimeout(0);
      const status = res.statusCode ?? 502;
      const nullBody = method === 'HEAD' || NULL_BODY_STATUSES.has(status);
      const codings = (res.headers['content-encoding'] ?? '')
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c && c !== 'identity');
      const unknown = codings.find((c) => !DECODERS[c]);
      if (unknown || status < 200 || status > 599) {
        res.destroy();
        const what = unknown ? `a body encoded as "${unknown}"` : `status ${status}`;
        resolve(errorResponse(502, 'BAD_GATEWAY', `The API answered with ${what}, which this server cannot pass on.`));
        return;
      }
      let body: ReadableStream<Uint8Array> | null = null;
      if (nullBody) {
        res.resume();
      } else {
        // Codings are listed in the order applied: undo them last to first.
        let stream: Readable = res;
        for (const coding of [...codings].reverse()) {
          const decoder = DECODERS[coding]!();
          stream.on('error', (err) => decoder.destroy(err));
          stream = stream.pipe(decoder);
        }
        body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
      }
      resolve(
        new Response(body, {
          status,
          statusText: res.statusMessage,
          headers: buildResponseHeaders(res, { decoded: !nullBody && codings.length > 0 }),
        }),
      );
    });

    if (hasBody) {
      const source = Readable.fromWeb(request.body as unknown as NodeWebReadableStream<Uint8Array>);
      // Counted as it streams: a chunked body declares no length, and none is held in memory.
      counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sent += chunk.length;
          if (sent > maxBodyBytes) callback(new Error(`request body over ${maxBodyBytes} bytes`));
          else callback(null, chunk);
        },
      });
      source.on('error', (err) => {
        counter?.destroy(err);
        upstream.destroy(err);
      });
      counter.on('error', (err) => {
        source.destroy();
        if (sent > maxBodyBytes) refuseBody();
        else failUpstream(err);
        upstream.destroy(err);
      });
      source.pipe(counter).pipe(upstream);
    } else {
      upstream.end();
    }
  });
}
