import { and, asc, count, desc, eq, gte, sql } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { CONVERSATION_TITLE_MAX, type ChatMessage, type Conversation } from '@todo/contract';
import type { Db } from '../../db/client.js';
import { chatMessages, conversations, type ChatMessageRow, type ConversationRow, type StoredToolCall } from '../../db/schema.js';
import type { Executor } from './todos-repository.js';

export type NewChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: StoredToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

function toConversation(row: ConversationRow): Conversation {
  return { id: row.id, title: row.title, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function toChatMessage(row: ChatMessageRow): ChatMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    toolCalls: row.toolCalls && row.toolCalls.length > 0 ? row.toolCalls : null,
    toolCallId: row.toolCallId,
    toolName: row.toolName,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The first words of the opening message name the conversation in a list. */
export function conversationTitle(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length <= CONVERSATION_TITLE_MAX ? oneLine : `${oneLine.slice(0, CONVERSATION_TITLE_MAX - 1).trimEnd()}…`;
}

/**
 * All SQL on conversations and their messages. Reads are scoped by the owner's id, so another
 * user's conversation is indistinguishable from one that does not exist; appends take the
 * conversation id only after such a read has proved ownership.
 */
export function createConversationsRepository(db: Db) {
  return {
    async create(userId: string, title: string, tx: Executor = db): Promise<Conversation> {
      const [row] = await tx
        .insert(conversations)
        .values({ userId, title: conversationTitle(title) })
        .returning();
      return toConversation(row!);
    },

    async get(userId: string, id: string, tx: Executor = db): Promise<Conversation | null> {
      const [row] = await tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.userId, userId)));
      return row ? toConversation(row) : null;
    },

    /** Most recently active first. */
    async list(userId: string, limit: number, tx: Executor = db): Promise<Conversation[]> {
      const rows = await tx
        .select()
        .from(conversations)
        .where(eq(conversations.userId, userId))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(limit);
      return rows.map(toConversation);
    },

    /** The messages of one of the user's conversations in order; null when it is not theirs. */
    async messages(userId: string, conversationId: string, tx: Executor = db): Promise<ChatMessageRow[] | null> {
      if (!(await this.get(userId, conversationId, tx))) return null;
      return tx.select().from(chatMessages).where(eq(chatMessages.conversationId, conversationId)).orderBy(asc(chatMessages.seq));
    },

    /** How many messages the user sent to the assistant since `since`, over all their conversations. */
    async userMessagesSince(userId: string, since: Date, tx: Executor = db): Promise<number> {
      const [row] = await tx
        .select({ n: count() })
        .from(chatMessages)
        .innerJoin(conversations, eq(chatMessages.conversationId, conversations.id))
        // A conversation with a message since `since` was updated since then: the index on
        // (user_id, updated_at) keeps this to the user's recent conversations.
        .where(
          and(
            eq(conversations.userId, userId),
            gte(conversations.updatedAt, since),
            eq(chatMessages.role, 'user'),
            gte(chatMessages.createdAt, since),
          ),
        );
      return Number(row?.n ?? 0);
    },

    /** Appends in the given order and marks the conversation as active. */
    async append(conversationId: string, messages: NewChatMessage[], tx: Executor = db): Promise<ChatMessageRow[]> {
      if (messages.length === 0) return [];
      const rows = await tx
        .insert(chatMessages)
        .values(
          messages.map((m) => ({
            conversationId,
            role: m.role,
            content: m.content,
            toolCalls: m.role === 'assistant' && m.toolCalls?.length ? m.toolCalls : null,
            toolCallId: m.role === 'tool' ? m.toolCallId : null,
            toolName: m.role === 'tool' ? m.toolName : null,
          })),
        )
        .returning();
      await tx
        .update(conversations)
        .set({ updatedAt: sql`now()` })
        .where(eq(conversations.id, conversationId));
      return rows.sort((a, b) => a.seq - b.seq);
    },
  };
}

export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;

declare module 'fastify' {
  interface FastifyInstance {
    conversationsRepository: ConversationsRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('conversationsRepository', createConversationsRepository(app.database.db));
  },
  { name: 'conversations-repository', dependencies: ['database'] },
);
