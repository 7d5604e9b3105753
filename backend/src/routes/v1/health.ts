import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HEALTH_PATH, HealthFail, HealthOk, LIVENESS_PATH, READINESS_PATH } from '@todo/contract';

/** Readiness must answer well within a probe's timeout even when the database hangs. */
export const DB_PING_TIMEOUT_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment shutdown begins: readiness fails so traffic drains away. */
    shuttingDown: boolean;
  }
}

export default async function healthRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function readiness(): Promise<string | null> {
    if (app.shuttingDown) return 'shutting down';
    try {
      await app.database.ping(DB_PING_TIMEOUT_MS);
      return null;
    } catch (err) {
      return `database unavailable: ${(err as Error).message}`;
    }
  }

  r.get(LIVENESS_PATH, {
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process is up (never touches the database)',
      response: { 200: HealthOk },
    },
    logLevel: 'warn',
    handler: async () => ({ status: 'healthy' as const, timestamp: new Date().toISOString() }),
  });

  r.get(READINESS_PATH, {
    schema: {
      tags: ['health'],
      summary: 'Readiness: the database answers within 1 s and the process is not shutting down',
      response: { 200: HealthOk, 503: HealthFail },
    },
    logLevel: 'warn',
    handler: async (_req, reply) => {
      const error = await readiness();
      if (error) return reply.code(503).send({ status: 'unhealthy' as const, error });
      return { status: 'healthy' as const, timestamp: new Date().toISOString() };
    },
  });

  r.get(HEALTH_PATH, {
    schema: {
      tags: ['health'],
      summary: 'Summary of liveness and readiness: 200 when both hold, else 503',
      response: { 200: HealthOk, 503: HealthFail },
    },
    logLevel: 'warn',
    handler: async (_req, reply) => {
      const error = await readiness();
      if (error) return reply.code(503).send({ status: 'unhealthy' as const, error });
      return { status: 'healthy' as const, timestamp: new Date().toISOString() };
    },
  });
}

export const HealthResponse = z.union([HealthOk, HealthFail]);
