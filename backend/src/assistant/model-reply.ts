import { z } from 'zod';
import type { StoredToolCall } from '../db/schema.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../plugins/external/json-body.js';

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
export const Usage = z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).nullish().catch(null);
const ToolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export const CompletionReply = z.object({
  choices: z.array(z.object({ message: z.object({ content: text, refusal: text, tool_calls: z.array(ToolCall).nullish() }) })).min(1),
  usage: Usage,
});
export const StreamChunk = z.object({
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

export function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new MalformedReplyError(`${issue.path.join('.') || 'reply'}: ${issue.message}`);
}

/** Assembled calls must be complete, and their arguments shallow enough to parse and store safely. */
export function checkedCalls(calls: StoredToolCall[]): StoredToolCall[] {
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
