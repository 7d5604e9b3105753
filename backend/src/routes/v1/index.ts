import type { FastifyInstance } from 'fastify';
import todoRoutes from './todos.js';
import chatRoutes from './chat.js';

/**
 * Everything under /api/v1 that needs a signed-in user. The hook runs before the body is
 * read, so an anonymous client learns nothing but 401. Register new feature modules (the
 * assistant's `chat.ts`) here; health and docs live outside this scope.
 */
export default async function authenticatedRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requireUser);
  await app.register(todoRoutes);
  await app.register(chatRoutes);
}
