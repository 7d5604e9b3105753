import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_PREFIX } from '@todo/contract';
import { toFetchHeaders } from '../../plugins/app/auth.js';

/** The request's public origin: what the browser sees, as forwarded by a proxy when there is one. */
function publicOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * Better Auth's responses keep their own body (its client parses `code`/`message`), and an
 * `error` member in our shape is added to failures so that every error of the API can be
 * read the same way.
 */
async function forward(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const url = new URL(request.url, publicOrigin(request));
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
  const headers = toFetchHeaders(request);
  headers.delete('content-length');
  const response = await app.auth.handler(
    new Request(url, {
      method: request.method,
      headers,
      body: hasBody ? JSON.stringify(request.body) : undefined,
    }),
  );
  reply.code(response.status);
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie' || key === 'content-length' || key === 'content-encoding') return;
    reply.header(key, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) reply.header('set-cookie', cookies);
  const text = await response.text();
  if (!text) return reply.send();
  if (response.status >= 400 && (response.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (body && typeof body === 'object' && !('error' in body)) {
        const code = typeof body.code === 'string' ? body.code : `HTTP_${response.status}`;
        const message = typeof body.message === 'string' ? body.message : response.statusText;
        return reply.send({ ...body, error: { code, message } });
      }
    } catch {
      // not JSON after all: pass it through untouched
    }
  }
  return reply.send(text);
}

export default async function authRoutes(app: FastifyInstance) {
  app.route({
    method: ['GET', 'POST'],
    url: `${AUTH_PREFIX}/*`,
    schema: { hide: true },
    handler: (request, reply) => forward(app, request, reply),
  });
}
