import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import helmet from '@fastify/helmet';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { API_V1_PREFIX } from '@todo/contract';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import errors from './plugins/external/errors.js';
import { errorBody } from './http-error.js';
import { serializerCompiler } from './response-serializer.js';
import jsonBody from './plugins/external/json-body.js';
import methodNotAllowed from './plugins/external/method-not-allowed.js';
import database from './plugins/external/database.js';
import metrics from './plugins/external/metrics.js';
import openapi from './plugins/external/openapi.js';
import auth from './plugins/app/auth.js';
import todosRepository from './plugins/app/todos-repository.js';
import conversationsRepository from './plugins/app/conversations-repository.js';
import assistant from './assistant/plugin.js';
import authRoutes from './routes/auth/index.js';
import healthRoutes from './routes/v1/health.js';
import authenticatedRoutes from './routes/v1/index.js';

/** Requests above this are refused with 413 before they reach a handler. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Honour a caller's request id when it is a plain token; otherwise make one. */
function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming)) return incoming;
  return randomUUID();
}

export function loggerOptions(config: Pick<Config, 'logLevel'>): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    // Belt and braces: the default serializers log no headers, but nothing that carries a
    // credential may ever reach a log line, whatever a future serializer adds.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'headers.cookie',
        'headers.authorization',
        '*.password',
        '*.authSecret',
        '*.databaseUrl',
        '*.apiKey',
        '*.token',
      ],
      censor: '[redacted]',
    },
  };
}

export type BuildOptions = {
  /** An already opened database (tests share one between app instances); opened from config otherwise. */
  database?: Database;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  logger?: FastifyServerOptions['logger'];
};

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(config),
    genReqId: requestId,
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-* from the Next.js server or the Ingress give the public origin and client IP,
    // but only when they come from a configured proxy: anyone else could name any address.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true },
    // Router-level rejections (bad percent-encoding, over-long path parameters) bypass the
    // error handler; give them the same shape.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      (reply as FastifyReply).code(status).send(errorBody(status === 414 ? 'URI_TOO_LONG' : 'BAD_REQUEST', error.message));
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body would otherwise reach the validators as a string.
  app.removeContentTypeParser(['text/plain']);
  app.decorate('shuttingDown', false);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Readiness fails from the first moment of close(), before the listener stops.
  app.addHook('preClose', async () => {
    app.shuttingDown = true;
  });
  // Node closes idle keep-alive connections once, when close() starts; a connection busy at that
  // moment would otherwise stay open after its response until the keep-alive timeout (72 s),
  // longer than any grace period. Ending it with the in-flight response keeps shutdown short.
  app.addHook('onSend', async (_request, reply) => {
    if (app.shuttingDown) reply.header('connection', 'close');
  });

  const db = opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: app.log }));
  try {
    if (opts.migrate !== false) {
      const { applied } = await db.migrate();
      if (applied > 0) app.log.info({ applied }, 'database migrations applied');
    }
  } catch (err) {
    if (!opts.database) await db.close();
    throw err;
  }

  // Layer 1, infrastructure: error shape, security headers, database, metrics, API docs.
  await app.register(errors);
  await app.register(jsonBody);
  await app.register(methodNotAllowed, { prefix: API_V1_PREFIX });
  await app.register(helmet, { global: true });
  await app.register(database, { database: db });
  await app.register(metrics);
  await app.register(openapi);
  // Layer 2, application services: authentication and the repositories that own the SQL.
  await app.register(auth, { config });
  await app.register(todosRepository);
  await app.register(conversationsRepository);
  await app.register(assistant, { config });
  // Layer 3, routes: public ones first, then everything that needs a session.
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(authenticatedRoutes, { prefix: API_V1_PREFIX });

  await app.ready();
  return app;
}
