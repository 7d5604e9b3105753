import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { ASSISTANT_ERROR, type ChatResponse, type ChatStatus, type ToolCallRecord } from '@todo/contract';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { ChatMessageRow, StoredToolCall } from '../db/schema.js';
import type { ConversationsRepository, NewChatMessage } from '../plugins/app/conversations-repository.js';
import type { TodosRepository } from '../plugins/app/todos-repository.js';
import { HttpError, notFound } from '../plugins/external/errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../plugins/external/json-body.js';
import { systemPrompt } from './prompt.js';
import { runTool, TOOL_DEFINITIONS } from './tools.js';

/** Rounds in which the model may call tools; after them it must answer in words. */
export const MAX_TOOL_ROUNDS = 5;
/** Stored messages replayed to the model; older ones are left out so long chats stay within its context. */
export const HISTORY_LIMIT = 60;

/** What the assistant reports for /metrics; the plugin binds it to Prometheus. */
export type AssistantMetrics = {
  modelRequest(outcome: 'ok' | 'timeout' | 'error', seconds: number, usage?: { prompt_tokens?: number; completion_tokens?: number } | null): void;
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

/** An error of the assistant that carries what was done before it happened. */
export class AssistantError extends HttpError {}

/** The AI service answered, but not with something that may be acted on or stored. */
export class MalformedReplyError extends Error {
  constructor(readonly problem: string) {
    super(`malformed reply: ${problem}`);
    this.name = 'MalformedReplyError';
  }
}

/*
 * The model's reply is input from outside like a request body: the SDK's types are a promise
 * the wire does not keep. Everything acted on or stored is checked here first, so a wrong
 * reply is the AI service's fault (502), never a 500 or a half-stored tool round.
 */
const text = z.string().nullish();
/** Usage only feeds metrics: a wrong one is dropped rather than failing the turn. */
const Usage = z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).nullish().catch(null);
const ToolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
const CompletionReply = z.object({
  choices: z.array(z.object({ message: z.object({ content: text, refusal: text, tool_calls: z.array(ToolCall).nullish() }) })).min(1),
  usage: Usage,
});
const StreamChunk = z.object({
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: text,
            refusal: text,
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().min(0).max(127),
                  id: text,
                  function: z.object({ name: text, arguments: text }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  usage: Usage,
});

function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new MalformedReplyError(`${issue.path.join('.') || 'reply'}: ${issue.message}`);
}

/** Assembled calls must be complete, and their arguments shallow enough to parse and store safely. */
function checkedCalls(calls: StoredToolCall[]): StoredToolCall[] {
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (!c || !c.id) throw new MalformedReplyError(`tool_calls.${i}.id: missing`);
    if (!c.name) throw new MalformedReplyError(`tool_calls.${i}.function.name: missing`);
    if (jsonDepthExceeds(c.arguments, MAX_JSON_DEPTH)) {
      throw new MalformedReplyError(`tool_calls.${i}.function.arguments: nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
  }
  return calls;
}

function unavailable(): AssistantError {
  return new AssistantError(
    503,
    ASSISTANT_ERROR.notConfigured,
    'the assistant is not configured: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, OPENAI_MODEL) for the backend',
  );
}

/**
 * Rebuilds the model's view of a conversation from stored rows. An assistant turn whose tool
 * results are not all stored (a crash between the two cannot happen, as both are written in one
 * transaction, but old data may be partial) loses its tool calls, which the API would refuse.
 */
export function toModelMessages(rows: ChatMessageRow[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.role === 'user') {
      out.push({ role: 'user', content: row.content ?? '' });
    } else if (row.role === 'assistant') {
      const calls = row.toolCalls ?? [];
      const results: ChatCompletionMessageParam[] = [];
      let j = i + 1;
      for (; j < rows.length && rows[j]!.role === 'tool'; j++) {
        const t = rows[j]!;
        if (calls.some((c) => c.id === t.toolCallId)) results.push({ role: 'tool', tool_call_id: t.toolCallId!, content: t.content ?? '' });
      }
      const complete = calls.length > 0 && calls.every((c) => results.some((r) => r.role === 'tool' && r.tool_call_id === c.id));
      if (complete) {
        out.push({
          role: 'assistant',
          content: row.content,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        });
        out.push(...results);
      } else if (row.content) {
        out.push({ role: 'assistant', content: row.content });
      }
      i = j - 1;
    }
    // A tool row not directly after its assistant turn is an orphan: the API would refuse it.
  }
  return out;
}

/** The most recent messages, starting at a user turn so that no tool result loses its call. */
function recent(rows: ChatMessageRow[]): ChatMessageRow[] {
  if (rows.length <= HISTORY_LIMIT) return rows;
  let start = rows.length - HISTORY_LIMIT;
  while (start < rows.length && rows[start]!.role !== 'user') start++;
  return rows.slice(start);
}

function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
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

  /** Upstream failures as the API's errors, with what was already done in `details`. */
  function upstreamError(err: unknown, details: Record<string, unknown>): AssistantError {
    // The SDK's own per-attempt timeout, or our deadline for the whole turn (an abort).
    if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) {
      log.warn({ timeoutMs: config.timeoutMs }, 'the model did not answer in time');
      return new AssistantError(
        504,
        ASSISTANT_ERROR.timeout,
        `the AI service did not answer within ${config.timeoutMs} ms; your message is saved, try again`,
        details,
      );
    }
    if (err instanceof APIConnectionError) {
      log.error({ err: err.message, cause: (err.cause as Error | undefined)?.message }, 'cannot reach the AI service');
      return new AssistantError(502, ASSISTANT_ERROR.upstream, 'the AI service cannot be reached; your message is saved, try again later', details);
    }
    if (err instanceof APIError) {
      const status = err.status;
      log.error({ upstreamStatus: status, upstreamCode: err.code, upstreamType: err.type, upstreamMessage: err.message }, 'the AI service refused the request');
      const why =
        status === 401 || status === 403
          ? 'it refused the configured credentials (check OPENAI_API_KEY)'
          : status === 429
            ? 'it is rate-limiting or out of quota'
            : status === 404
              ? `it does not know the model "${config.model}" (check OPENAI_MODEL)`
              : err.code === 'context_length_exceeded'
                ? 'the conversation is too long for the model (start a new chat)'
              : status !== undefined && status >= 500
                ? 'it had an internal error'
                : 'it rejected the request';
      return new AssistantError(
        502,
        ASSISTANT_ERROR.upstream,
        `the AI service answered HTTP ${status ?? '?'}: ${why}; your message is saved`,
        { ...details, upstreamStatus: status ?? null },
      );
    }
    if (err instanceof MalformedReplyError) {
      log.error({ problem: err.problem }, 'the AI service sent a malformed reply');
      return new AssistantError(502, ASSISTANT_ERROR.upstream, `the AI service sent a malformed reply (${err.problem}); nothing of it was used, your message is saved`, details);
    }
    log.error({ err }, 'the AI service returned something unusable');
    return new AssistantError(502, ASSISTANT_ERROR.upstream, 'the AI service returned an answer that cannot be used; your message is saved', details);
  }

  type ModelTurn = { content: string | null; refusal: string | null; calls: StoredToolCall[]; usage: z.infer<typeof Usage> };

  /** One request to the model; streamed when onDelta is given (text pieces go to it as they arrive). */
  async function modelTurn(
    api: OpenAI,
    params: { messages: ChatCompletionMessageParam[]; lastRound: boolean },
    remainingMs: number,
    onDelta?: (text: string) => void,
  ): Promise<ModelTurn> {
    const body = {
      model: config.model,
      messages: params.messages,
      tools: TOOL_DEFINITIONS,
      // After the cap the model must answer in words; tools stay declared because the
      // history holds calls to them.
      tool_choice: params.lastRound ? ('none' as const) : ('auto' as const),
    };
    const options = { timeout: remainingMs, signal: AbortSignal.timeout(remainingMs) };
    if (!onDelta) {
      const completion = checked(CompletionReply, await api.chat.completions.create(body, options));
      const message = completion.choices[0]!.message;
      const calls = checkedCalls(
        (message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
      );
      return { content: message.content ?? null, refusal: message.refusal ?? null, calls, usage: completion.usage ?? null };
    }
    const stream = await api.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, options);
    let content = '';
    let refusal = '';
    let usage: ModelTurn['usage'] = null;
    let sawChoice = false;
    // Tool calls arrive in pieces keyed by index: the id and name first, the arguments in fragments.
    const calls: StoredToolCall[] = [];
    for await (const raw of stream) {
      const chunk = checked(StreamChunk, raw);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      sawChoice = true;
      const delta = choice.delta ?? {};
      if (delta.content) {
        content += delta.content;
        onDelta(delta.content);
      }
      if (delta.refusal) refusal += delta.refusal;
      for (const piece of delta.tool_calls ?? []) {
        const slot = (calls[piece.index] ??= { id: '', name: '', arguments: '' });
        if (piece.id) slot.id = piece.id;
        if (piece.function?.name) slot.name = piece.function.name;
        if (piece.function?.arguments) slot.arguments += piece.function.arguments;
      }
    }
    if (!sawChoice) throw new Error('the stream carried no choices');
    return { content: content || null, refusal: refusal || null, calls: checkedCalls(Array.from(calls)), usage };
  }

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
     * tools for up to MAX_TOOL_ROUNDS rounds. Each round's tool calls, their effects on the
     * todos and their results are committed together, so the stored conversation always says
     * exactly what was done.
     */
    async chat(userId: string, input: ChatInput, events?: (event: ChatEvent) => void): Promise<ChatResponse> {
      if (!client) throw unavailable();
      const { conversations, todos, db, metrics } = deps;
      // Every message costs money at the AI service: a runaway client is stopped here.
      const sentLastMinute = await conversations.userMessagesSince(userId, new Date(Date.now() - 60_000));
      if (sentLastMinute >= deps.messagesPerMinute) {
        throw new AssistantError(
          429,
          'TOO_MANY_REQUESTS',
          `at most ${deps.messagesPerMinute} messages a minute to the assistant; wait a moment and try again`,
        );
      }

      let history: ChatMessageRow[] = [];
      let conversationId: string;
      if (input.conversationId) {
        const rows = await conversations.messages(userId, input.conversationId);
        if (!rows) throw notFound('conversation');
        history = rows;
        conversationId = input.conversationId;
        await conversations.append(conversationId, [{ role: 'user', content: input.message }]);
      } else {
        // A new conversation is never left without its opening message.
        conversationId = await db.transaction(async (tx) => {
          const created = await conversations.create(userId, input.message, tx);
          await conversations.append(created.id, [{ role: 'user', content: input.message }], tx);
          return created.id;
        });
      }
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
          reply = await modelTurn(client, { messages, lastRound }, remaining, events && ((text) => events({ type: 'delta', text })));
        } catch (err) {
          const mapped = upstreamError(err, done());
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

        const stored = calls;
        const results = await db.transaction(async (tx) => {
          const outcomes: { call: StoredToolCall; ok: boolean; result: unknown; changed: boolean }[] = [];
          for (const call of stored) {
            const outcome = await runTool(call.name, call.arguments, { userId, todos, tx });
            outcomes.push({ call, ...outcome });
          }
          const rows: NewChatMessage[] = [
            { role: 'assistant', content: reply.content ?? null, toolCalls: stored },
            ...outcomes.map((o) => ({ role: 'tool' as const, toolCallId: o.call.id, toolName: o.call.name, content: JSON.stringify(o.result) })),
          ];
          await conversations.append(conversationId, rows, tx);
          return outcomes;
        });

        messages.push({
          role: 'assistant',
          content: reply.content ?? null,
          tool_calls: stored.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        });
        for (const r of results) {
          messages.push({ role: 'tool', tool_call_id: r.call.id, content: JSON.stringify(r.result) });
          let args: unknown = r.call.arguments;
          try {
            args = JSON.parse(r.call.arguments);
          } catch {
            // reported as the raw text the model sent
          }
          const record: ToolCallRecord = { id: r.call.id, name: r.call.name, arguments: args, ok: r.ok, result: r.result };
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
