import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
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
import { notFound } from '../../plugins/external/errors.js';

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
