import {
  API_V1_PREFIX,
  type ChatMessageList,
  type ChatRequest,
  type ChatResponse,
  type ChatStatus,
  type ToolCallRecord,
} from '@todo/contract';

/**
 * The assistant's calls. Unlike the list's client these keep the error's `details`: after a
 * 502/504 they say which tool calls already ran, and the panel must show them.
 */

export type AssistantError = {
  status: number;
  code: string;
  message: string;
  conversationId?: string;
  toolCalls: ToolCallRecord[];
  todosChanged: boolean;
};

export type Result<T> = { ok: true; data: T } | ({ ok: false } & AssistantError);

const networkError = (): { ok: false } & AssistantError => ({
  ok: false,
  status: 0,
  code: 'NETWORK_ERROR',
  message: 'Cannot reach the server. Check your connection and try again.',
  toolCalls: [],
  todosChanged: false,
});

async function call<T>(path: string, init: RequestInit = {}): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return networkError();
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, data: body as T };
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
  const details = error?.details ?? {};
  return {
    ok: false,
    status: res.status,
    code: error?.code ?? `HTTP_${res.status}`,
    message: error?.message ?? `The assistant request failed (HTTP ${res.status}).`,
    ...(typeof details.conversationId === 'string' ? { conversationId: details.conversationId } : {}),
    toolCalls: Array.isArray(details.toolCalls) ? (details.toolCalls as ToolCallRecord[]) : [],
    todosChanged: details.todosChanged === true,
  };
}

export const chatStatus = () => call<ChatStatus>(`${API_V1_PREFIX}/chat/status`);

export const conversationMessages = (id: string) =>
  call<ChatMessageList>(`${API_V1_PREFIX}/conversations/${encodeURIComponent(id)}/messages`);

/** Progress of a streamed turn (POST /api/v1/chat/stream), as the panel consumes it. */
export type StreamEvent =
  | { type: 'conversation'; conversationId: string }
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; toolCall: ToolCallRecord; todosChanged: boolean };

function errorFromBody(status: number, body: unknown): { ok: false } & AssistantError {
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
  const details = error?.details ?? {};
  return {
    ok: false,
    status,
    code: error?.code ?? `HTTP_${status}`,
    message: error?.message ?? `The assistant request failed (HTTP ${status}).`,
    ...(typeof details.conversationId === 'string' ? { conversationId: details.conversationId } : {}),
    toolCalls: Array.isArray(details.toolCalls) ? (details.toolCalls as ToolCallRecord[]) : [],
    todosChanged: details.todosChanged === true,
  };
}

/**
 * Sends a message and reads the answer as Server-Sent Events: progress goes to onEvent as it
 * arrives; the promise settles with the final answer or the error, as sendChat's does.
 */
export async function streamChat(request: ChatRequest, onEvent: (event: StreamEvent) => void): Promise<Result<ChatResponse>> {
  let res: Response;
  try {
    res = await fetch(`${API_V1_PREFIX}/chat/stream`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify(request),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return networkError();
  }
  if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const body: unknown = await res.json().catch(() => null);
    return errorFromBody(res.status, body);
  }

  const seen: ToolCallRecord[] = [];
  let conversationId: string | undefined;
  let changed = false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    let chunk: ReadableStreamReadResult<string>;
    try {
      chunk = await reader.read();
    } catch {
      break;
    }
    if (chunk.done) break;
    buffer += chunk.value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const raw = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (event === 'done') return { ok: true, data: data as unknown as ChatResponse };
      if (event === 'error') return errorFromBody(502, data);
      if (event === 'conversation' && typeof data.conversationId === 'string') {
        conversationId = data.conversationId;
        onEvent({ type: 'conversation', conversationId });
      } else if (event === 'delta' && typeof data.text === 'string') {
        onEvent({ type: 'delta', text: data.text });
      } else if (event === 'tool_call' && data.toolCall) {
        const toolCall = data.toolCall as ToolCallRecord;
        seen.push(toolCall);
        if (data.todosChanged === true) changed = true;
        onEvent({ type: 'tool_call', toolCall, todosChanged: data.todosChanged === true });
      }
    }
  }
  return {
    ok: false,
    status: 0,
    code: 'STREAM_INTERRUPTED',
    message: 'The connection closed before the assistant finished. What it did so far is listed; your message is saved.',
    ...(conversationId ? { conversationId } : {}),
    toolCalls: seen,
    todosChanged: changed,
  };
}
