import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ApiError,
  ChatMessageList,
  ChatRequest,
  ChatResponse,
  ChatStatus,
  ConversationIdParams,
  ConversationList,
  ConversationListQuery,
} from '@todo/contract';
import { toChatMessage } from '../../plugins/app/conversations-repository.js';
import { errorBody, HttpError, notFound } from '../../http-error.js';
import type { ChatEvent } from '../../assistant/assistant.js';

/** /api/v1/chat and /api/v1/conversations — inside the authenticated scope, so request.user is set. */
export default async function chatRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const conversations = app.conversationsRepository;

  r.get('/chat/status', {
    schema: {
      tags: ['assistant'],
      summary: 'Whether the assistant is configured (OPENAI_API_KEY) and which model it uses',
      response: { 200: ChatStatus, 401: ApiError },
    },
    handler: async () => app.assistant.status(),
  });

  r.post('/chat', {
    schema: {
      tags: ['assistant'],
      summary: 'Send a message to the assistant; it may add, list, complete, update or delete your todos',
      description:
        'Starts a conversation when conversationId is absent. On 502/504 the message is stored and error.details lists conversationId, the tool calls already executed and todosChanged.',
      body: ChatRequest,
      response: {
        200: ChatResponse,
        400: ApiError,
        401: ApiError,
        404: ApiError,
        413: ApiError,
        415: ApiError,
        429: ApiError.describe('too many messages this minute (ASSISTANT_MESSAGES_PER_MINUTE)'),
        502: ApiError.describe('the AI service failed or refused the request'),
        503: ApiError.describe('the assistant is not configured (ASSISTANT_NOT_CONFIGURED)'),
        504: ApiError.describe('the AI service did not answer in time'),
      },
    },
    handler: async (req) => app.assistant.chat(req.user!.id, req.body),
  });

  r.post('/chat/stream', {
    schema: {
      tags: ['assistant'],
      summary: 'The same as POST /chat, answered as Server-Sent Events while the assistant works',
      description: [
        'Errors found before the turn starts (400, 401, 404, 429, 503) are JSON as for POST /chat. Then a text/event-stream:',
        '`conversation` {conversationId} once the message is stored; `delta` {text} pieces of the answer as the model writes them;',
        '`tool_call` {toolCall, todosChanged} after each executed tool call; finally `done` (the ChatResponse) or',
        '`error` ({error:{code,message,details}} as the 502/504 bodies of POST /chat).',
      ].join(' '),
      body: ChatRequest,
      response: {
        200: z.string().describe('text/event-stream'),
        400: ApiError,
        401: ApiError,
        404: ApiError,
        413: ApiError,
        415: ApiError,
        429: ApiError,
        503: ApiError,
      },
    },
    handler: async (req, reply) => {
      const out = new PassThrough();
      const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let opened: () => void = () => {};
      const started = new Promise<void>((resolve) => (opened = resolve));
      let streaming = false;
      const onEvent = (e: ChatEvent) => {
        streaming = true;
        const { type, ...data } = e;
        send(type, data);
        opened();
      };
      const turn = app.assistant
        .chat(req.user!.id, req.body, onEvent)
        .then((result) => void send('done', result))
        .catch((err: unknown) => {
          // Before the first event nothing is sent yet: the error handler answers in JSON.
          if (!streaming) throw err;
          if (err instanceof HttpError) {
            send('error', errorBody(err.code, err.message, err.details));
          } else {
            req.log.error({ err }, 'assistant turn failed while streaming');
            send('error', errorBody('INTERNAL_ERROR', 'an unexpected error occurred; it has been logged'));
          }
        })
        .finally(() => out.end());
      await Promise.race([started, turn]);
      return (
        reply
          .type('text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache, no-transform')
          // nginx-style proxies buffer responses unless told otherwise.
          .header('x-accel-buffering', 'no')
          // A stream is piped as it is; the string schema above only documents the 200 in OpenAPI.
          .send(out as unknown as string)
      );
    },
  });

  r.get('/conversations', {
    schema: {
      tags: ['assistant'],
      summary: 'Your conversations with the assistant, most recently active first',
      querystring: ConversationListQuery,
      response: { 200: ConversationList, 400: ApiError, 401: ApiError },
    },
    handler: async (req) => ({ items: await conversations.list(req.user!.id, req.query.limit) }),
  });

  r.get('/conversations/:id/messages', {
    schema: {
      tags: ['assistant'],
      summary: 'The stored messages of one of your conversations, tool calls and results included',
      params: ConversationIdParams,
      response: { 200: ChatMessageList, 400: ApiError, 401: ApiError, 404: ApiError },
    },
    handler: async (req) => {
      const rows = await conversations.messages(req.user!.id, req.params.id);
      if (!rows) throw notFound('conversation');
      return { conversationId: req.params.id, items: rows.map(toChatMessage) };
    },
  });
}
