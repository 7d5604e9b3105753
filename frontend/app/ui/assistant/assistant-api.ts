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
    return { ok: false, status: 0, code: 'NETWORK_ERROR', message: 'Cannot reach the server. Check your connection and try again.', toolCalls: [], todosChanged: false };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
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

export const sendChat = (request: ChatRequest) =>
  call<ChatResponse>(`${API_V1_PREFIX}/chat`, { method: 'POST', body: JSON.stringify(request) });

export const conversationMessages = (id: string) =>
  call<ChatMessageList>(`${API_V1_PREFIX}/conversations/${encodeURIComponent(id)}/messages`);
