import { z } from 'zod';
import { STATUSES, TITLE_MAX } from './todos.js';

/** The assistant's HTTP API: POST /api/v1/chat and the stored conversations. */

export const CHAT_MESSAGE_MAX = 4000;
export const CONVERSATION_TITLE_MAX = 80;
export const CONVERSATIONS_PAGE_MAX = 100;

/** Names of the tools the model may call; each acts on the signed-in user's todos only. */
export const ASSISTANT_TOOLS = ['add_task', 'list_tasks', 'complete_task', 'delete_task', 'update_task'] as const;
export type AssistantToolName = (typeof ASSISTANT_TOOLS)[number];
/** The tools that change todos: after one of them succeeded the web app reloads its list. */
export const MUTATING_TOOLS: readonly AssistantToolName[] = ['add_task', 'complete_task', 'delete_task', 'update_task'];

/** Error codes of the assistant, beside the API's generic ones. */
export const ASSISTANT_ERROR = {
  notConfigured: 'ASSISTANT_NOT_CONFIGURED',
  upstream: 'ASSISTANT_UPSTREAM_ERROR',
  timeout: 'ASSISTANT_TIMEOUT',
} as const;

export const ConversationId = z.uuid({ message: 'conversationId must be a UUID' });

export const ChatRequest = z.strictObject({
  conversationId: ConversationId.optional(),
  message: z
    .string()
    .trim()
    .min(1, 'message must not be empty')
    .max(CHAT_MESSAGE_MAX, `message must be at most ${CHAT_MESSAGE_MAX} characters`)
    .refine((v) => !v.includes('\u0000'), 'message must not contain the NUL character'),
  /** The user's calendar date, so "tomorrow" means the user's tomorrow; the server's UTC date otherwise. */
  today: z.iso.date({ message: 'today must be a date in the form YYYY-MM-DD' }).optional(),
});

/** One tool call the assistant made while answering, with what the tool returned. */
export const ToolCallRecord = z.object({
  id: z.string().describe('the tool_call_id the model gave'),
  name: z.string(),
  /** The arguments as the model sent them: an object, or the raw text when it was not JSON. */
  arguments: z.unknown(),
  ok: z.boolean().describe('false when the tool refused the call (invalid arguments, unknown todo)'),
  /** {task_id, status, title} (list_tasks: {tasks, total}); {error:{code,message}} when ok is false. */
  result: z.unknown(),
});

export const ChatResponse = z.object({
  conversationId: z.uuid(),
  response: z.string(),
  toolCalls: z.array(ToolCallRecord),
  /** True when at least one tool call changed the user's todos. */
  todosChanged: z.boolean(),
});

export const ChatStatus = z.object({
  available: z.boolean(),
  /** The configured model, when available. */
  model: z.string().nullable(),
  message: z.string().describe('why the assistant is unavailable, or that it is ready'),
});

export const Conversation = z.object({
  id: z.uuid(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ConversationList = z.object({ items: z.array(Conversation) });

export const ConversationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(CONVERSATIONS_PAGE_MAX).default(20),
});

export const ConversationIdParams = z.strictObject({ id: z.uuid({ message: 'id must be a UUID' }) });

export const ChatMessageRole = z.enum(['user', 'assistant', 'tool']);

export const ChatMessage = z.object({
  id: z.string(),
  role: ChatMessageRole,
  content: z.string().nullable(),
  /** Assistant messages: the tool calls the model asked for. */
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).nullable(),
  /** Tool messages: the call this result answers, and which tool produced it. */
  toolCallId: z.string().nullable(),
  toolName: z.string().nullable(),
  createdAt: z.string(),
});

export const ChatMessageList = z.object({
  conversationId: z.uuid(),
  items: z.array(ChatMessage),
});

/** What list_tasks may filter on, with the same names and limits as GET /api/v1/todos. */
export const ListTasksArgs = z.strictObject({
  status: z.enum(STATUSES).default('all'),
  search: z.string().trim().max(TITLE_MAX, `search must be at most ${TITLE_MAX} characters`).optional(),
});

export type ChatRequest = z.input<typeof ChatRequest>;
export type ChatResponse = z.infer<typeof ChatResponse>;
export type ToolCallRecord = z.infer<typeof ToolCallRecord>;
export type ChatStatus = z.infer<typeof ChatStatus>;
export type Conversation = z.infer<typeof Conversation>;
export type ConversationList = z.infer<typeof ConversationList>;
export type ChatMessage = z.infer<typeof ChatMessage>;
export type ChatMessageList = z.infer<typeof ChatMessageList>;
