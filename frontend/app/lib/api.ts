// Constants from their own entry: the full contract would bring zod's schemas into every
// page's bundle, the sign-in page included, which validates nothing on the client.
import { API_V1_PREFIX, AUTH_PREFIX } from '@todo/contract/constants';
import type { TodoCreate, TodoList, TodoListQuery, TodoUpdate, Todo } from '@todo/contract';
import type { ApiResult, FieldErrors, SessionUser } from './definitions';

/**
 * The browser's API client. Every call goes to this origin's /api (the Next.js proxy or the
 * Ingress routes it), so the browser never needs to know where the backend lives.
 */

const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again; your input is kept.';

/** Our API answers {error:{code,message,details}}; Better Auth answers {code,message}. */
type ErrorBody = {
  error?: { code?: string; message?: string; details?: unknown };
  code?: string;
  message?: string;
};

/** Best effort: pulls "field → message" out of a 400's details, whatever list shape it has. */
export function fieldErrorsFromDetails(details: unknown): FieldErrors {
  const out: FieldErrors = {};
  const add = (path: unknown, message: unknown) => {
    const parts = Array.isArray(path) ? path.map(String) : typeof path === 'string' ? path.split(/[./]/).filter(Boolean) : [];
    // The backend names a field with where it was found ("body.title"); the form knows "title".
    if (parts.length > 1 && ['body', 'query', 'querystring', 'params'].includes(parts[0]!)) parts.shift();
    const key = parts[0];
    if (key && typeof message === 'string' && !out[key]) {
      out[key] = message;
    }
  };
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item && typeof item === 'object') {
          const i = item as Record<string, unknown>;
          add(i.path ?? i.field ?? i.instancePath, i.message);
        }
      }
    } else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      if (Array.isArray(v.issues)) visit(v.issues);
      else if (Array.isArray(v.errors)) visit(v.errors);
      else if (v.fieldErrors && typeof v.fieldErrors === 'object') {
        for (const [k, msgs] of Object.entries(v.fieldErrors as Record<string, unknown>)) {
          add(k, Array.isArray(msgs) ? msgs[0] : msgs);
        }
      } else {
        for (const [k, msg] of Object.entries(v)) add(k, msg);
      }
    }
  };
  visit(details);
  return out;
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 404) return 'That item no longer exists.';
  if (status === 413) return 'That is too much text to save.';
  if (status === 429) return 'Too many requests. Please wait a moment and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Please try again; your input is kept.`;
  return `The request failed (HTTP ${status}).`;
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    return { ok: false, status: 0, code: 'NETWORK_ERROR', message: NETWORK_MESSAGE, fieldErrors: {} };
  }
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (res.ok) return { ok: true, status: res.status, data: body as T };
  const e = (body ?? {}) as ErrorBody;
  const code = e.error?.code ?? e.code ?? `HTTP_${res.status}`;
  const message = e.error?.message ?? e.message ?? fallbackMessage(res.status);
  return {
    ok: false,
    status: res.status,
    code,
    message: res.status >= 500 && !e.error?.message ? fallbackMessage(res.status) : message,
    fieldErrors: res.status === 400 ? fieldErrorsFromDetails(e.error?.details) : {},
  };
}

const json = (value: unknown) => JSON.stringify(value);

export function listTodos(query: TodoListQuery): Promise<ApiResult<TodoList>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  return apiFetch<TodoList>(`${API_V1_PREFIX}/todos?${params}`);
}

export const createTodo = (input: TodoCreate) => apiFetch<Todo>(`${API_V1_PREFIX}/todos`, { method: 'POST', body: json(input) });

export const updateTodo = (id: string, patch: TodoUpdate) =>
  apiFetch<Todo>(`${API_V1_PREFIX}/todos/${encodeURIComponent(id)}`, { method: 'PATCH', body: json(patch) });

export const deleteTodo = (id: string) => apiFetch<void>(`${API_V1_PREFIX}/todos/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const signUp = (input: { name: string; email: string; password: string }) =>
  apiFetch<{ user: SessionUser }>(`${AUTH_PREFIX}/sign-up/email`, { method: 'POST', body: json(input) });

export const signIn = (input: { email: string; password: string }) =>
  apiFetch<{ user: SessionUser }>(`${AUTH_PREFIX}/sign-in/email`, { method: 'POST', body: json(input) });

export const signOut = () => apiFetch<unknown>(`${AUTH_PREFIX}/sign-out`, { method: 'POST', body: '{}' });

/** Lets other parts of the page (the assistant panel) tell the list that todos changed. */
export const TODOS_CHANGED_EVENT = 'todos:changed';
export function notifyTodosChanged(): void {
  window.dispatchEvent(new Event(TODOS_CHANGED_EVENT));
}
