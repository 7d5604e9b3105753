import type { ChatMessage, ToolCallRecord } from '@todo/contract';

/** What the panel shows: turns of the user and the assistant, tool calls under the assistant's. */
export type Turn =
  | { kind: 'user'; id: string; text: string }
  | { kind: 'assistant'; id: string; text: string; toolCalls: ToolCallRecord[] }
  | { kind: 'error'; id: string; text: string; toolCalls: ToolCallRecord[] };

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Folds stored messages into turns: the tool calls of every assistant message up to the next
 * user message belong to the answer that follows them (or stand alone when none came).
 */
export function turnsFromMessages(messages: ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  const results = new Map(messages.filter((m) => m.role === 'tool').map((m) => [m.toolCallId, parse(m.content)]));
  let pending: ToolCallRecord[] = [];
  const flush = (id: string) => {
    if (pending.length) turns.push({ kind: 'assistant', id, text: '', toolCalls: pending });
    pending = [];
  };
  for (const m of messages) {
    if (m.role === 'user') {
      flush(`${m.id}-tools`);
      turns.push({ kind: 'user', id: m.id, text: m.content ?? '' });
    } else if (m.role === 'assistant') {
      for (const c of m.toolCalls ?? []) {
        const result = results.get(c.id);
        const ok = !(result && typeof result === 'object' && 'error' in result);
        pending.push({ id: c.id, name: c.name, arguments: parse(c.arguments), ok, result });
      }
      if (!m.toolCalls?.length) {
        turns.push({ kind: 'assistant', id: m.id, text: m.content ?? '', toolCalls: pending });
        pending = [];
      }
    }
  }
  flush('trailing-tools');
  return turns;
}

const quoted = (v: unknown) => (typeof v === 'string' && v ? `“${v}”` : 'a task');

/** One line a person can read for a tool call: what was done, or why it was refused. */
export function describeToolCall(call: ToolCallRecord): string {
  const r = (call.result ?? {}) as { title?: unknown; total?: unknown; error?: { message?: unknown } };
  if (!call.ok) return `${call.name.replace(/_/g, ' ')} failed: ${String(r.error?.message ?? 'refused')}`;
  switch (call.name) {
    case 'add_task':
      return `Added ${quoted(r.title)}`;
    case 'complete_task':
      return `Completed ${quoted(r.title)}`;
    case 'delete_task':
      return `Deleted ${quoted(r.title)}`;
    case 'update_task':
      return `Updated ${quoted(r.title)}`;
    case 'list_tasks':
      return typeof r.total === 'number' ? `Looked up your tasks (${r.total} found)` : 'Looked up your tasks';
    default:
      return call.name;
  }
}

/** The user's calendar date, so "tomorrow" is the user's tomorrow. */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
