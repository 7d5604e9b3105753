import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import type { StoredToolCall } from '../db/schema.js';
import { checked, checkedCalls, CompletionReply, StreamChunk, type Usage } from './model-reply.js';
import { TOOL_DEFINITIONS } from './tools.js';

export type ModelTurn = { content: string | null; refusal: string | null; calls: StoredToolCall[]; usage: z.infer<typeof Usage> };

/** One request to the model; streamed when onDelta is given (text pieces go to it as they arrive). */
export async function modelTurn(
  api: OpenAI,
  model: string,
  params: { messages: ChatCompletionMessageParam[]; lastRound: boolean },
  remainingMs: number,
  onDelta?: (text: string) => void,
): Promise<ModelTurn> {
  const body = {
    model,
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
