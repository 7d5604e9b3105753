import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createAssistant, type Assistant } from './assistant.js';

declare module 'fastify' {
  interface FastifyInstance {
    assistant: Assistant;
  }
}

/** The assistant service; present even without OPENAI_API_KEY, so routes can say it is unavailable. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate(
      'assistant',
      createAssistant({
        config: config.openai,
        db: app.database.db,
        todos: app.todosRepository,
        conversations: app.conversationsRepository,
        log: app.log.child({ component: 'assistant' }),
      }),
    );
  },
  { name: 'assistant', dependencies: ['database', 'todos-repository', 'conversations-repository'] },
);
