import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import type { Config } from '../../config.js';
import { schema } from '../../db/schema.js';
import { HttpError } from '../../http-error.js';

/**
 * How long a signed copy of the session in a second cookie is trusted without reading the
 * session table. It saves one database round trip on nearly every request; the price is that a
 * signed-out or revoked session stays usable for up to this long by a client that still holds
 * the copy (see docs/api.md, Sessions).
 */
export const SESSION_COOKIE_CACHE_SECONDS = 60;

/** Set by us on every request to Better Auth; a client's own value is overwritten. */
const CLIENT_IP_HEADER = 'x-todo-client-ip';

export function createAuth(app: FastifyInstance, config: Config) {
  const log = app.log.child({ component: 'better-auth' });
  return betterAuth({
    appName: 'Todo',
    secret: config.authSecret,
    basePath: '/api/auth',
    // No fixed baseURL: the same build runs behind the Next.js server, behind an Ingress and
    // on its own. Each request's own origin (from X-Forwarded-Host/Proto when a proxy set
    // them) is trusted, plus AUTH_TRUSTED_ORIGINS. Forwarded headers cannot be forged by a
    // cross-site page: setting them needs a CORS preflight, which this API never grants.
    trustedOrigins: config.authTrustedOrigins,
    advanced: {
      trustedProxyHeaders: true,
      // The address Fastify resolved with TRUSTED_PROXIES, not X-Forwarded-For itself: rate
      // limits must key on the same client the rest of the API sees.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    database: drizzleAdapter(app.database.db, {
      provider: 'pg',
      schema: {
        user: schema.user,
        session: schema.session,
        account: schema.account,
        verification: schema.verification,
        rateLimit: schema.rateLimit,
      },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128 },
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
      cookieCache: { enabled: true, maxAge: SESSION_COOKIE_CACHE_SECONDS },
    },
    // Counters in the database, so limits hold across replicas. On in production as Better
    // Auth's default, but decided by our validated config rather than its own read of NODE_ENV.
    rateLimit: { enabled: config.nodeEnv === 'production', storage: 'database', modelName: 'rateLimit' },
    logger: {
      level: config.logLevel === 'debug' || config.logLevel === 'trace' ? 'debug' : 'warn',
      log: (level, message, ...args) => {
        const fields = args.length ? { args: args.map((a) => (a instanceof Error ? a.message : a)) } : {};
        if (level === 'error') log.error(fields, message);
        else if (level === 'warn') log.warn(fields, message);
        else if (level === 'debug') log.debug(fields, message);
        else log.info(fields, message);
      },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
export type SessionUser = { id: string; email: string; name: string };

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
    /** onRequest hook for routes that need a signed-in user: 401 otherwise. */
    requireUser: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
}

/** Fastify's (already parsed) headers as a Fetch Headers object for Better Auth. */
export function toFetchHeaders(request: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else headers.set(key, String(value));
  }
  headers.set(CLIENT_IP_HEADER, request.ip);
  return headers;
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const auth = createAuth(app, config);
    app.decorate('auth', auth);
    app.decorateRequest('user', null);
    app.decorate('requireUser', async (request: FastifyRequest) => {
      const cookie = request.headers.cookie;
      if (cookie) {
        const result = await auth.api.getSession({ headers: toFetchHeaders(request) });
        if (result) {
          request.user = { id: result.user.id, email: result.user.email, name: result.user.name };
          return;
        }
      }
      throw new HttpError(401, 'UNAUTHORIZED', 'sign in first: this endpoint needs a session');
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
