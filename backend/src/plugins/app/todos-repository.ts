import { and, asc, desc, eq, ilike, isNull, lt, or, sql, type SQL, between, arrayContains, count } from 'drizzle-orm';
import fp from 'fastify-plugin';
import type { z } from 'zod';
import type { Todo, TodoCreate as TodoCreateSchema, TodoListQuery, TodoUpdate as TodoUpdateSchema } from '@todo/contract';
import type { Db } from '../../db/client.js';
import { todos, type TodoRow } from '../../db/schema.js';

type NewTodo = z.output<typeof TodoCreateSchema>;
type TodoPatch = z.output<typeof TodoUpdateSchema>;
type ListQuery = z.output<typeof TodoListQuery>;

/** The query runner: the database itself or a transaction of it. */
export type Executor = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

const PRIORITY_RANK = sql<number>`case ${todos.priority} when 'high' then 3 when 'medium' then 2 else 1 end`;

function toTodo(row: TodoRow): Todo {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    tags: row.tags,
    dueDate: row.dueDate,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** LIKE treats % and _ as wildcards; a search for "50%" means the text "50%". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function uniqueTags(tags: string[]): string[] {
  return [...new Set(tags)];
}

function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * All SQL on todos. Every method is scoped by the owner's id, so a todo of another user is
 * indistinguishable from one that does not exist. Each takes an optional executor, so a caller
 * (e.g. the assistant's tools) can run several calls in one transaction.
 */
export function createTodosRepository(db: Db) {
  return {
    async list(userId: string, q: ListQuery, tx: Executor = db): Promise<{ items: Todo[]; total: number }> {
      const today = q.today ?? new Date().toISOString().slice(0, 10);
      const where: (SQL | undefined)[] = [eq(todos.userId, userId)];
      if (q.q) where.push(or(ilike(todos.title, likePattern(q.q)), ilike(todos.description, likePattern(q.q))));
      if (q.status === 'pending') where.push(eq(todos.completed, false));
      if (q.status === 'completed') where.push(eq(todos.completed, true));
      if (q.priority) where.push(eq(todos.priority, q.priority));
      if (q.tag) where.push(arrayContains(todos.tags, [q.tag]));
      if (q.due === 'overdue') where.push(and(lt(todos.dueDate, today), eq(todos.completed, false)));
      if (q.due === 'today') where.push(eq(todos.dueDate, today));
      if (q.due === 'week') where.push(between(todos.dueDate, today, addDays(today, 6)));
      if (q.due === 'none') where.push(isNull(todos.dueDate));
      const filter = and(...where);

      // Defaults read naturally: newest first, soonest due first, highest priority first, A→Z.
      const order = q.order ?? (q.sort === 'created' || q.sort === 'priority' ? 'desc' : 'asc');
      const dir = order === 'asc' ? asc : desc;
      const primary: SQL[] = {
        created: [dir(todos.createdAt)],
        title: [dir(sql`lower(${todos.title})`), dir(todos.title)],
        priority: [dir(PRIORITY_RANK)],
        // Todos without a due date come last in either direction.
        due: [sql`${todos.dueDate} is null`, dir(todos.dueDate)],
      }[q.sort];
      const tieBreak = q.sort === 'created' ? [dir(todos.id)] : [desc(todos.createdAt), asc(todos.id)];

      // The total rides along as a window count: one round trip for the page and the total.
      const rows = await tx
        .select({ todo: todos, total: sql<number>`count(*) over ()`.mapWith(Number) })
        .from(todos)
        .where(filter)
        .orderBy(...primary, ...tieBreak)
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize);
      if (rows.length > 0) return { items: rows.map((r) => toTodo(r.todo)), total: rows[0]!.total };
      // A page past the end has no row to carry the total: count separately (rare).
      const [totals] = await tx.select({ n: count() }).from(todos).where(filter);
      return { items: [], total: Number(totals?.n ?? 0) };
    },

    async get(userId: string, id: string, tx: Executor = db): Promise<Todo | null> {
      const [row] = await tx
        .select()
        .from(todos)
        .where(and(eq(todos.id, id), eq(todos.userId, userId)));
      return row ? toTodo(row) : null;
    },

    async create(userId: string, input: NewTodo, tx: Executor = db): Promise<Todo> {
      const [row] = await tx
        .insert(todos)
        .values({
          userId,
          title: input.title,
          description: input.description ?? '',
          priority: input.priority,
          tags: uniqueTags(input.tags),
          dueDate: input.dueDate ?? null,
        })
        .returning();
      return toTodo(row!);
    },

    /** One UPDATE statement: either every field of the patch is stored or none is. */
    async update(userId: string, id: string, patch: TodoPatch, tx: Executor = db): Promise<Todo | null> {
      const set: Partial<typeof todos.$inferInsert> = { updatedAt: new Date() };
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.completed !== undefined) set.completed = patch.completed;
      if (patch.priority !== undefined) set.priority = patch.priority;
      if (patch.tags !== undefined) set.tags = uniqueTags(patch.tags);
      if (patch.dueDate !== undefined) set.dueDate = patch.dueDate;
      const [row] = await tx
        .update(todos)
        .set(set)
        .where(and(eq(todos.id, id), eq(todos.userId, userId)))
        .returning();
      return row ? toTodo(row) : null;
    },

    async remove(userId: string, id: string, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .delete(todos)
        .where(and(eq(todos.id, id), eq(todos.userId, userId)))
        .returning({ id: todos.id });
      return rows.length > 0;
    },
  };
}

export type TodosRepository = ReturnType<typeof createTodosRepository>;

declare module 'fastify' {
  interface FastifyInstance {
    todosRepository: TodosRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('todosRepository', createTodosRepository(app.database.db));
  },
  { name: 'todos-repository', dependencies: ['database'] },
);
