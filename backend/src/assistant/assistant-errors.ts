import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { FastifyBaseLogger } from 'fastify';
import { ASSISTANT_ERROR } from '@todo/contract';
import type { Config } from '../config.js';
import { HttpError } from '../http-error.js';
import { MalformedReplyError } from './model-reply.js';

/** An error of the assistant that carries what was done before it happened. */
export class AssistantError extends HttpError {}

export function unavailable(): AssistantError {
  return new AssistantError(
    503,
    ASSISTANT_ERROR.notConfigured,
    'the assistant is not configured: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, OPENAI_MODEL) for the backend',
  );
}

/** Upstream failures as the API's errors, with what was already done in `details`. */
export function upstreamError(
  err: unknown,
  details: Record<string, unknown>,
  { log, config }: { log: FastifyBaseLogger; config: Pick<Config['openai'], 'timeoutMs' | 'model'> },
): AssistantError {
  // The SDK's own per-attempt timeout, or our deadline for the whole turn (an abort).
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) {
    log.warn({ timeoutMs: config.timeoutMs }, 'the model did not answer in time');
    return new AssistantError(
      504,
      ASSISTANT_ERROR.timeout,
      `the AI service did not answer within ${config.timeoutMs} ms; your message is saved, try again`,
      details,
    );
  }
  if (err instanceof APIConnectionError) {
    log.error({ err: err.message, cause: (err.cause as Error | undefined)?.message }, 'cannot reach the AI service');
    return new AssistantError(
      502,
      ASSISTANT_ERROR.upstream,
      'the AI service cannot be reached; your message is saved, try again later',
      details,
    );
  }
  if (err instanceof APIError) {
    const status = err.status;
    log.error(
      { upstreamStatus: status, upstreamCode: err.code, upstreamType: err.type, upstreamMessage: err.message },
      'the AI service refused the request',
    );
    const why =
      status === 401 || status === 403
        ? 'it refused the configured credentials (check OPENAI_API_KEY)'
        : status === 429
          ? 'it is rate-limiting or out of quota'
          : status === 404
            ? `it does not know the model "${config.model}" (check OPENAI_MODEL)`
            : err.code === 'context_length_exceeded'
              ? 'the conversation is too long for the model (start a new chat)'
              : status !== undefined && status >= 500
                ? 'it had an internal error'
                : 'it rejected the request';
    return new AssistantError(
      502,
      ASSISTANT_ERROR.upstream,
      `the AI service answered HTTP ${status ?? '?'}: ${why}; your message is saved`,
      { ...details, upstreamStatus: status ?? null },
    );
  }
  if (err instanceof MalformedReplyError) {
    log.error({ problem: err.problem }, 'the AI service sent a malformed reply');
    return new AssistantError(
      502,
      ASSISTANT_ERROR.upstream,
      `the AI service sent a malformed reply (${err.problem}); nothing of it was used, your message is saved`,
      details,
    );
  }
  log.error({ err }, 'the AI service returned something unusable');
  return new AssistantError(
    502,
    ASSISTANT_ERROR.upstream,
    'the AI service returned an answer that cannot be used; your message is saved',
    details,
  );
}
