import type { Todo, TodoList } from '@todo/contract';

export type { Todo, TodoList };

/** The signed-in user as Better Auth's get-session reports it (the fields the UI shows). */
export type SessionUser = { id: string; name: string; email: string };

/** Field name → message, shown next to the field. */
export type FieldErrors = Partial<Record<string, string>>;

/** The outcome of one call to the API, as the UI needs it: data, or a message to show. */
export type ApiResult<T> =
  { ok: true; status: number; data: T } | { ok: false; status: number; code: string; message: string; fieldErrors: FieldErrors };
