import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessageRow } from '../db/schema.js';
import { toApiToolCalls } from './tool-calls.js';

/** Stored messages replayed to the model; older ones are left out so long chats stay within its context. */
export const HISTORY_LIMIT = 60;

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
        out.push({ role: 'assistant', content: row.content, tool_calls: toApiToolCalls(calls) });
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
export function recent(rows: ChatMessageRow[]): ChatMessageRow[] {
  if (rows.length <= HISTORY_LIMIT) return rows;
  let start = rows.length - HISTORY_LIMIT;
  while (start < rows.length && rows[start]!.role !== 'user') start++;
  return rows.slice(start);
}
