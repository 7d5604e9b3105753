import type { ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { ToolCallRecord } from '@todo/contract';
import type { StoredToolCall } from '../db/schema.js';

/** Stored tool calls in the shape the chat completions API takes them back (replay and next round). */
export function toApiToolCalls(calls: StoredToolCall[]): ChatCompletionMessageFunctionToolCall[] {
  return calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
}

/** A tool call as the API reports it to the browser: its arguments parsed when they are JSON. */
export function toolCallRecord(call: StoredToolCall, outcome: { ok: boolean; result: unknown }): ToolCallRecord {
  let args: unknown = call.arguments;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    // reported as the raw text the model sent
  }
  return { id: call.id, name: call.name, arguments: args, ok: outcome.ok, result: outcome.result };
}
