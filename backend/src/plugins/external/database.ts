import fp from 'fastify-plugin';
import type { Database } from '../../db/client.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

/**
 * The database is opened (and migrated) by the caller, so the server only starts listening on
 * a migrated schema; the app owns it from here on and closes it last.
 */
export default fp<{ database: Database }>(
  async (app, { database }) => {
    app.decorate('database', database);
    app.addHook('onClose', async () => {
      await database.close();
    });
  },
  { name: 'database' },
);
