import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the OpenAI API over real HTTP: `POST /v1/chat/completions` answered from a
 * script the test writes, in the wire format of the real API (tool_calls with call ids,
 * finish_reason "tool_calls" or "stop", usage, error bodies {error:{message,type,param,code}}).
 * Like the real API it refuses a request without the bearer key, and a conversation whose tool
 * messages do not answer the preceding assistant tool_calls — so replaying a stored
 * conversation wrongly fails here as it would there.
 */

export type WireMessage = {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | null | { type: string; text?: string }[];
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
};

export type WireRequest = {
  model: string;
  messages: WireMessage[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  tool_choice?: unknown;
  stream?: boolean;
  [k: string]: unknown;
};

export type RecordedRequest = { body: WireRequest; headers: http.IncomingHttpHeaders; at: number };

export type ToolCallSpec = { name: string; arguments: string | Record<string, unknown>; id?: string };

export type Reply =
  | { content: string }
  | { toolCalls: ToolCallSpec[]; content?: string | null }
  | { status: number; error: { message: string; type?: string; code?: string | null; param?: string | null } }
  /** A body that is not a chat completion at all (proxies, broken gateways). */
  | { status?: number; raw: string; contentType?: string };

/** A reply, optionally after a delay (longer than the backend's timeout to provoke a 504). */
export type Step = (Reply & { delayMs?: number }) | ((req: RecordedRequest) => Reply & { delayMs?: number });

export type FakeOpenAI = {
  /** The base URL to give the backend as OPENAI_BASE_URL (ends in /v1). */
  url: string;
  apiKey: string;
  /** Every chat completion request received, scripted or not. */
  requests: RecordedRequest[];
  /** Requests that found no scripted step (each got a 500): a test should expect none. */
  unexpected: RecordedRequest[];
  /** Queues steps; each request consumes the next one. */
  script(...steps: Step[]): void;
  /** Steps not consumed yet. */
  pending(): number;
  reset(): void;
  close(): Promise<void>;
};

function callId(): string {
  return `call_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function errorBody(message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** The checks the real API makes on a conversation's tool messages (messages[].tool_call_id). */
function validate(body: unknown): { status: number; body: unknown } | null {
  const b = body as Partial<WireRequest> | null;
  if (!b || typeof b !== 'object') return { status: 400, body: errorBody('We could not parse the JSON body of your request.') };
  if (typeof b.model !== 'string' || !b.model)
    return { status: 400, body: errorBody('you must provide a model parameter', 'invalid_request_error', null, 'model') };
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return {
      status: 400,
      body: errorBody(
        "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        'invalid_request_error',
        'empty_array',
        'messages',
      ),
    };
  }
  let open: Set<string> | null = null;
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i]!;
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) {
      return {
        status: 400,
        body: errorBody(
          `Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'function', and 'developer'.`,
          'invalid_request_error',
          'invalid_value',
          `messages[${i}].role`,
        ),
      };
    }
    if (m.role === 'tool') {
      if (!open || !m.tool_call_id || !open.has(m.tool_call_id)) {
        return {
          status: 400,
          body: errorBody(
            `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`,
            'invalid_request_error',
            null,
            `messages.[${i}].role`,
          ),
        };
      }
      open.delete(m.tool_call_id);
      continue;
    }
    if (open && open.size > 0) {
      return {
        status: 400,
        body: errorBody(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
          'invalid_request_error',
          null,
          'messages',
        ),
      };
    }
    open = null;
    if (m.role === 'assistant' && m.tool_calls?.length) {
      for (const c of m.tool_calls) {
        if (c.type !== 'function' || typeof c.function?.name !== 'string' || typeof c.function.arguments !== 'string') {
          return {
            status: 400,
            body: errorBody(`Invalid tool call in messages[${i}]`, 'invalid_request_error', null, `messages[${i}].tool_calls`),
          };
        }
      }
      open = new Set(m.tool_calls.map((c) => c.id));
    } else if (m.content === undefined || m.content === null) {
      return {
        status: 400,
        body: errorBody(
          `Invalid value for 'content': expected a string, got null.`,
          'invalid_request_error',
          null,
          `messages.[${i}].content`,
        ),
      };
    }
  }
  if (open && open.size > 0) {
    return {
      status: 400,
      body: errorBody(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
      ),
    };
  }
  return null;
}

function completion(model: string, reply: Exclude<Reply, { status: number; error: unknown } | { raw: string }>) {
  const toolCalls =
    'toolCalls' in reply
      ? reply.toolCalls.map((c) => ({
          id: c.id ?? callId(),
          type: 'function' as const,
          function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
        }))
      : undefined;
  const content = 'toolCalls' in reply ? (reply.content ?? null) : reply.content;
  return {
    id: `chatcmpl-${randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** The same completion as chunks of a stream, split the way the real API splits them. */
function streamChunks(full: ReturnType<typeof completion>, includeUsage: boolean): unknown[] {
  const base = {
    id: full.id,
    object: 'chat.completion.chunk',
    created: full.created,
    model: full.model,
    system_fingerprint: full.system_fingerprint,
    service_tier: 'default',
  };
  const message = full.choices[0]!.message as {
    content: string | null;
    tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const pieces = (text: string, size: number) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
  const out: unknown[] = [];
  if (message.tool_calls?.length) {
    out.push(chunk({ role: 'assistant', content: null, refusal: null }));
    message.tool_calls.forEach((c, index) => {
      out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
      for (const p of pieces(c.function.arguments, 7)) out.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
    });
  } else {
    out.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const p of pieces(message.content ?? '', 4)) out.push(chunk({ content: p }));
  }
  out.push(chunk({}, full.choices[0]!.finish_reason));
  if (includeUsage) out.push({ ...base, choices: [], usage: full.usage });
  return out;
}

export async function startFakeOpenAI(options: { apiKey?: string } = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? `sk-test-${randomBytes(8).toString('hex')}`;
  const steps: Step[] = [];
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];

  const send = (res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json') => {
    if (res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'x-request-id': `req_${randomBytes(8).toString('hex')}` });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        return send(res, 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error'));
      }
      const auth = req.headers.authorization;
      if (!auth?.startsWith('Bearer ')) {
        return send(
          res,
          401,
          errorBody(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            'invalid_request_error',
          ),
        );
      }
      if (auth.slice(7) !== apiKey) {
        return send(
          res,
          401,
          errorBody(
            'Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.',
            'invalid_request_error',
            'invalid_api_key',
          ),
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, errorBody('We could not parse the JSON body of your request.'));
      }
      const invalid = validate(body);
      if (invalid) return send(res, invalid.status, invalid.body);
      const recorded: RecordedRequest = { body: body as WireRequest, headers: req.headers, at: Date.now() };
      requests.push(recorded);

      const step = steps.shift();
      if (!step) {
        unexpected.push(recorded);
        return send(res, 500, errorBody('fake OpenAI server: no scripted response left for this request', 'server_error'));
      }
      let reply: Reply & { delayMs?: number };
      try {
        reply = typeof step === 'function' ? step(recorded) : step;
      } catch (err) {
        // A failing assertion inside a scripted step is the test's failure: surface it as one.
        unexpected.push(recorded);
        return send(res, 500, errorBody(`fake OpenAI server: the scripted step threw: ${(err as Error).message}`, 'server_error'));
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if ('raw' in reply) return send(res, reply.status ?? 200, reply.raw, reply.contentType ?? 'application/json');
      if ('error' in reply)
        return send(
          res,
          reply.status,
          errorBody(reply.error.message, reply.error.type ?? 'server_error', reply.error.code ?? null, reply.error.param ?? null),
        );
      const full = completion((body as WireRequest).model, reply);
      const wire = body as WireRequest;
      if (!wire.stream) return send(res, 200, full);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      const includeUsage = (wire.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      for (const c of streamChunks(full, includeUsage)) {
        if (res.destroyed) return;
        res.write(`data: ${JSON.stringify(c)}\n\n`);
        // Apart in time, as tokens are: the reader must cope with pieces in separate reads.
        await new Promise((r) => setTimeout(r, 2));
      }
      res.end('data: [DONE]\n\n');
    });
  });
  // A client that gave up (timeout) must not keep a delayed step's response writing.
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    unexpected,
    script: (...s) => void steps.push(...s),
    pending: () => steps.length,
    reset() {
      steps.length = 0;
      requests.length = 0;
      unexpected.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/* Helpers for scripted steps: read the request the way a model would. */

const text = (c: WireMessage['content']) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text ?? '').join('') : '');

export function systemText(req: RecordedRequest): string {
  return req.body.messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => text(m.content))
    .join('\n');
}

export function lastUserText(req: RecordedRequest): string {
  const m = [...req.body.messages].reverse().find((x) => x.role === 'user');
  return m ? text(m.content) : '';
}

/** The results of the tool calls of the latest assistant turn, parsed, by tool name order. */
export function lastToolResults(req: RecordedRequest): { name: string; result: any }[] {
  const msgs = req.body.messages;
  const i = msgs.map((m) => m.role === 'assistant' && !!m.tool_calls?.length).lastIndexOf(true);
  if (i < 0) return [];
  const calls = msgs[i]!.tool_calls!;
  return msgs
    .slice(i + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => ({ name: calls.find((c) => c.id === m.tool_call_id)?.function.name ?? '?', result: JSON.parse(text(m.content)) }));
}

/** The date the system prompt calls today (YYYY-MM-DD). */
export function todayFromPrompt(req: RecordedRequest): string {
  const m = /\b(\d{4}-\d{2}-\d{2})\b/.exec(systemText(req));
  if (!m) throw new Error('the system prompt names no date');
  return m[1]!;
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
