import fp from 'fastify-plugin';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createAssistant, type Assistant, type AssistantMetrics } from './assistant.js';

declare module 'fastify' {
  interface FastifyInstance {
    assistant: Assistant;
  }
}

/** Prometheus series of the assistant: model latency and outcome, tokens (cost), tool calls. */
function assistantMetrics(registry: Registry): AssistantMetrics {
  const requests = new Histogram({
    name: 'assistant_model_request_duration_seconds',
    help: 'Duration of requests to the AI service by outcome (ok, timeout, error)',
    labelNames: ['outcome'] as const,
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'assistant_tokens_total',
    help: 'Tokens reported by the AI service, by kind (prompt, completion)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const tools = new Counter({
    name: 'assistant_tool_calls_total',
    help: 'Tool calls made by the model, by tool and result (ok=false: refused arguments or unknown todo)',
    labelNames: ['tool', 'ok'] as const,
    registers: [registry],
  });
  const KNOWN = new Set(['add_task', 'list_tasks', 'complete_task', 'delete_task', 'update_task']);
  return {
    modelRequest(outcome, seconds, usage) {
      requests.observe({ outcome }, seconds);
      if (usage?.prompt_tokens) tokens.inc({ kind: 'prompt' }, usage.prompt_tokens);
      if (usage?.completion_tokens) tokens.inc({ kind: 'completion' }, usage.completion_tokens);
    },
    toolCall(tool, ok) {
      // The model chooses the name: anything unknown shares one label value.
      tools.inc({ tool: KNOWN.has(tool) ? tool : 'unknown', ok: String(ok) });
    },
  };
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
        metrics: assistantMetrics(app.metrics),
        messagesPerMinute: config.openai.messagesPerMinute,
      }),
    );
  },
  { name: 'assistant', dependencies: ['database', 'metrics', 'todos-repository', 'conversations-repository'] },
);
