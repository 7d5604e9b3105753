import OpenAI, { APIConnectionTimeoutError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { FastifyBaseLogger } from 'fastify';
import type { ChatResponse, ChatStatus, ToolCallRecord } from '@todo/contract';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { ChatMessageRow, StoredToolCall } from '../db/schema.js';
import type { ConversationsRepository, NewChatMessage } from '../plugins/app/conversations-repository.js';
import type { TodosRepository } from '../plugins/app/todos-repository.js';
import { notFound } from '../http-error.js';
import { AssistantError, unavailable, upstreamError } from './assistant-errors.js';
import { recent, toModelMessages } from './conversation-history.js';
import { modelTurn, type ModelTurn } from './model-turn.js';
import { systemPrompt } from './prompt.js';
import { toApiToolCalls, toolCallRecord } from './tool-calls.js';
import { runTool } from './tools.js';

/*
 * The assistant's turn, in units: model-turn.ts asks the model (streamed or not) and
 * model-reply.ts checks what it answered; tool-calls.ts maps calls between the store, the model
 * and the browser; conversation-history.ts replays the stored conversation; assistant-errors.ts
 * turns upstream failures into the API's errors. This file runs the turn: store, ask, act, store.
 */

/** Rounds in which the model may call tools; after them it must answer in words. */
export const MAX_TOOL_ROUNDS = 5;

/** What the assistant reports for /metrics; the plugin binds it to Prometheus. */
export type AssistantMetrics = {
  modelRequest(
    outcome: 'ok' | 'timeout' | 'error',
    seconds: number,
    usage?: { prompt_tokens?: number; completion_tokens?: number } | null,
  ): void;
  toolCall(tool: string, ok: boolean): void;
};

export type AssistantDeps = {
  config: Config['openai'];
  db: Db;
  todos: TodosRepository;
  conversations: ConversationsRepository;
  log: FastifyBaseLogger;
  metrics?: AssistantMetrics;
  /** Messages one user may send per minute (counted in the database, so across replicas). */
  messagesPerMinute: number;
};

/** Progress of one turn, for the streaming endpoint: in order, conversation, then deltas and tool calls. */
export type ChatEvent =
  | { type: 'conversation'; conversationId: string }
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; toolCall: ToolCallRecord; todosChanged: boolean };

export type ChatInput = { conversationId?: string | undefined; message: string; today?: string | undefined };

function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The conversation a turn continues (its stored messages) or starts, with the user's message stored. */
async function openConversation(
  { conversations, db }: AssistantDeps,
  userId: string,
  input: ChatInput,
): Promise<{ conversationId: string; history: ChatMessageRow[] }> {
  if (input.conversationId) {
    const history = await conversations.messages(userId, input.conversationId);
    if (!history) throw notFound('conversation');
    await conversations.append(input.conversationId, [{ role: 'user', content: input.message }]);
    return { conversationId: input.conversationId, history };
  }
  // A new conversation is never left without its opening message.
  const conversationId = await db.transaction(async (tx) => {
    const created = await conversations.create(userId, input.message, tx);
    await conversations.append(created.id, [{ role: 'user', content: input.message }], tx);
    return created.id;
  });
  return { conversationId, history: [] };
}

type ToolOutcome = { call: StoredToolCall; ok: boolean; result: unknown; changed: boolean };

/**
 * Runs one round of tool calls and stores it: the calls, their effects on the todos and their
 * results commit together, so the stored conversation always says exactly what was done.
 */
async function runToolRound(
  { db, todos, conversations }: AssistantDeps,
  userId: string,
  conversationId: string,
  content: string | null,
  calls: StoredToolCall[],
): Promise<ToolOutcome[]> {
  return db.transaction(async (tx) => {
    const outcomes: ToolOutcome[] = [];
    for (const call of calls) outcomes.push({ call, ...(await runTool(call.name, call.arguments, { userId, todos, tx })) });
    const rows: NewChatMessage[] = [
      { role: 'assistant', content, toolCalls: calls },
      ...outcomes.map((o) => ({ role: 'tool' as const, toolCallId: o.call.id, toolName: o.call.name, content: JSON.stringify(o.result) })),
    ];
    await conversations.append(conversationId, rows, tx);
    return outcomes;
  });
}

export function createAssistant(deps: AssistantDeps) {
  const { config, log } = deps;
  const client = config.apiKey
    ? new OpenAI({
        apiKey: config.apiKey,
        // null, not undefined: the SDK then uses https://api.openai.com/v1 rather than reading
        // the environment itself; our validated config stays the one source.
        baseURL: config.baseUrl ?? null,
        timeout: config.timeoutMs,
        maxRetries: config.maxRetries,
      })
    : null;

  return {
    get available(): boolean {
      return client !== null;
    },

    status(): ChatStatus {
      return client
        ? { available: true, model: config.model, message: 'the assistant is ready' }
        : { available: false, model: null, message: unavailable().message };
    },

    /**
     * One user turn: load the conversation, store the user's message, then let the model call
     * tools for up to MAX_TOOL_ROUNDS rounds (each round stored whole by runToolRound).
     */
    async chat(userId: string, input: ChatInput, events?: (event: ChatEvent) => void): Promise<ChatResponse> {
      if (!client) throw unavailable();
      const { conversations, metrics } = deps;
      // Every message costs money at the AI service: a runaway client is stopped here.
      const sentLastMinute = await conversations.userMessagesSince(userId, new Date(Date.now() - 60_000));
      if (sentLastMinute >= deps.messagesPerMinute) {
        throw new AssistantError(
          429,
          'TOO_MANY_REQUESTS',
          `at most ${deps.messagesPerMinute} messages a minute to the assistant; wait a moment and try again`,
        );
      }

      const { conversationId, history } = await openConversation(deps, userId, input);
      events?.({ type: 'conversation', conversationId });

      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: systemPrompt(input.today ?? utcToday()) },
        ...toModelMessages(recent(history)),
        { role: 'user', content: input.message },
      ];
      const toolCalls: ToolCallRecord[] = [];
      let todosChanged = false;
      // One budget for the whole turn, retries and tool rounds included, so the caller (and
      // the proxies in front of us) get an answer in bounded time.
      const deadline = Date.now() + config.timeoutMs;
      const done = () => ({ conversationId, toolCalls, todosChanged });

      for (let round = 0; ; round++) {
        const lastRound = round >= MAX_TOOL_ROUNDS;
        let reply: ModelTurn;
        const started = performance.now();
        try {
          const remaining = deadline - Date.now();
          if (remaining <= 0) throw new APIConnectionTimeoutError();
          reply = await modelTurn(
            client,
            config.model,
            { messages, lastRound },
            remaining,
            events && ((text) => events({ type: 'delta', text })),
          );
        } catch (err) {
          const mapped = upstreamError(err, done(), { log, config });
          metrics?.modelRequest(mapped.statusCode === 504 ? 'timeout' : 'error', (performance.now() - started) / 1000);
          throw mapped;
        }
        metrics?.modelRequest('ok', (performance.now() - started) / 1000, reply.usage);
        const calls = reply.calls;

        if (calls.length === 0 || lastRound) {
          let text = reply.content ?? reply.refusal ?? '';
          if (calls.length > 0) {
            log.warn({ rounds: round }, 'the model still asked for tools after the cap');
            text ||= `I stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls. Please check your list and tell me what is still needed.`;
          }
          await conversations.append(conversationId, [{ role: 'assistant', content: text }]);
          return { ...done(), response: text };
        }

        const results = await runToolRound(deps, userId, conversationId, reply.content, calls);
        messages.push({ role: 'assistant', content: reply.content ?? null, tool_calls: toApiToolCalls(calls) });
        for (const r of results) {
          messages.push({ role: 'tool', tool_call_id: r.call.id, content: JSON.stringify(r.result) });
          const record = toolCallRecord(r.call, r);
          toolCalls.push(record);
          events?.({ type: 'tool_call', toolCall: record, todosChanged: r.changed });
          metrics?.toolCall(r.call.name, r.ok);
          if (r.changed) todosChanged = true;
        }
        log.info({ round, tools: results.map((r) => `${r.call.name}:${r.ok ? 'ok' : 'error'}`) }, 'assistant tool round');
      }
    },
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
