import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import {
  ListTasksArgs,
  MUTATING_TOOLS,
  PAGE_SIZE_MAX,
  TodoCreate,
  TodoIdParams,
  TodoListQuery,
  TodoUpdate,
  type AssistantToolName,
  type Todo,
} from '@todo/contract';
import type { Db } from '../db/client.js';
import type { Executor, TodosRepository } from '../plugins/app/todos-repository.js';

/**
 * The tools the model may call. Each is a thin adapter over the same repository and the same
 * zod schemas as the REST API: the model gets no power a user's own API calls lack. The user
 * a tool acts for comes from the session (ToolContext.userId), never from the model.
 */

/** A transaction of the database: each tool call runs in a savepoint of it. */
export type ToolTransaction = Executor & Pick<Db, 'transaction'>;

export type ToolContext = {
  userId: string;
  todos: TodosRepository;
  tx: ToolTransaction;
};

export type ToolOutcome = {
  ok: boolean;
  /** What goes back to the model (as JSON) and into the API response. */
  result: unknown;
  /** True when the call changed a todo. */
  changed: boolean;
};

/** An expected refusal: sent back to the model as the tool's result, never a 500. */
class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TaskRef = z.strictObject({ task_id: TodoIdParams.shape.id });

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.map(String).join('.');
      return field ? `${field}: ${i.message}` : i.message;
    })
    .join('; ');
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ToolError('INVALID_ARGUMENTS', describeIssues(r.error));
  return r.data;
}

/** Splits {task_id, ...rest}: the id is checked like the REST path parameter, the rest like the body. */
function splitTaskId(args: Record<string, unknown>): { id: string; rest: Record<string, unknown> } {
  const { task_id, ...rest } = args;
  const { task_id: id } = parse(TaskRef, { task_id });
  return { id, rest };
}

const notFound = (id: string) =>
  new ToolError('NOT_FOUND', `no task with task_id ${id} in this user's list; call list_tasks to find the right task_id`);

const status = (t: Todo) => (t.completed ? 'completed' : 'pending');

function taskSummary(t: Todo) {
  return { task_id: t.id, title: t.title, status: status(t), priority: t.priority, due_date: t.dueDate, tags: t.tags };
}

type Handler = (args: Record<string, unknown>, ctx: ToolContext) => Promise<unknown>;

const handlers: Record<AssistantToolName, Handler> = {
  async add_task(args, ctx) {
    const todo = await ctx.todos.create(ctx.userId, parse(TodoCreate, args), ctx.tx);
    return { task_id: todo.id, status: 'created', title: todo.title, due_date: todo.dueDate };
  },

  async list_tasks(args, ctx) {
    const { status: which, search } = parse(ListTasksArgs, args);
    const query = parse(TodoListQuery, { status: which, q: search, sort: 'created', order: 'asc', pageSize: PAGE_SIZE_MAX });
    const { items, total } = await ctx.todos.list(ctx.userId, query, ctx.tx);
    return { tasks: items.map(taskSummary), total, ...(total > items.length ? { note: `only the first ${items.length} are listed` } : {}) };
  },

  async complete_task(args, ctx) {
    const { task_id: id } = parse(TaskRef, args);
    const todo = await ctx.todos.update(ctx.userId, id, parse(TodoUpdate, { completed: true }), ctx.tx);
    if (!todo) throw notFound(id);
    return { task_id: todo.id, status: 'completed', title: todo.title };
  },

  async delete_task(args, ctx) {
    const { task_id: id } = parse(TaskRef, args);
    const todo = await ctx.todos.get(ctx.userId, id, ctx.tx);
    if (!todo || !(await ctx.todos.remove(ctx.userId, id, ctx.tx))) throw notFound(id);
    return { task_id: todo.id, status: 'deleted', title: todo.title };
  },

  async update_task(args, ctx) {
    const { id, rest } = splitTaskId(args);
    const todo = await ctx.todos.update(ctx.userId, id, parse(TodoUpdate, rest), ctx.tx);
    if (!todo) throw notFound(id);
    return { task_id: todo.id, status: 'updated', title: todo.title, completed: todo.completed, due_date: todo.dueDate };
  },
};

export function isToolName(name: string): name is AssistantToolName {
  return Object.hasOwn(handlers, name);
}

/** SQLSTATE of a database error (drizzle wraps the driver's error in `cause`). */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Runs one tool call. Bad arguments, unknown tools and unknown todos come back as
 * {ok:false, result:{error}} for the model to read and correct; only a fault of our own
 * (the database down) throws.
 */
export async function runTool(name: string, rawArguments: string, ctx: ToolContext): Promise<ToolOutcome> {
  const fail = (code: string, message: string): ToolOutcome => ({ ok: false, result: { error: { code, message } }, changed: false });
  if (!isToolName(name)) return fail('UNKNOWN_TOOL', `there is no tool named "${name}"; use one of ${Object.keys(handlers).join(', ')}`);
  let args: unknown;
  try {
    args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch (err) {
    return fail('INVALID_ARGUMENTS', `the arguments are not valid JSON (${(err as Error).message}); send one JSON object`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return fail('INVALID_ARGUMENTS', 'the arguments must be one JSON object');
  }
  try {
    // A savepoint per call: a refused value must not abort the transaction of the whole round.
    const result = await ctx.tx.transaction((tx) => handlers[name](args as Record<string, unknown>, { ...ctx, tx }));
    return { ok: true, result, changed: MUTATING_TOOLS.includes(name) };
  } catch (err) {
    if (err instanceof ToolError) return fail(err.code, err.message);
    const state = sqlState(err);
    // Data exceptions and check violations: a value the schemas let through but PostgreSQL
    // refuses (a date out of its range). The same answer the REST API gives: the caller's fault.
    if (state && (state.startsWith('22') || state === '23514'))
      return fail('INVALID_VALUE', 'a value in the arguments is out of the accepted range');
    throw err;
  }
}

/** JSON Schema of a REST schema, for the model: generated, so the limits cannot drift. */
function parametersOf(schema: z.ZodType, extra: Record<string, Record<string, unknown>> = {}, descriptions: Record<string, string> = {}) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
    [k: string]: unknown;
  };
  delete json.$schema;
  const properties: Record<string, Record<string, unknown>> = { ...extra, ...(json.properties ?? {}) };
  for (const [key, prop] of Object.entries(properties)) {
    // The long date regex adds nothing to `format: date` for a model; keep the prompt small.
    for (const variant of [prop, ...((prop.anyOf as Record<string, unknown>[] | undefined) ?? [])]) {
      if (variant.format === 'date') delete variant.pattern;
    }
    if (descriptions[key]) properties[key] = { ...prop, description: descriptions[key] };
  }
  return {
    ...json,
    type: 'object',
    properties,
    required: [...Object.keys(extra), ...(json.required ?? [])],
    additionalProperties: false,
  };
}

const TASK_ID = { type: 'string', format: 'uuid', description: 'the task_id from list_tasks or add_task' };
const FIELD_HELP = {
  title: 'short title of the task',
  description: 'optional longer notes',
  priority: 'low, medium or high',
  tags: 'labels such as "home" or "work"',
  dueDate: 'due date as YYYY-MM-DD; null clears it. Work out relative dates ("tomorrow") from today\'s date',
  completed: 'true marks the task done, false marks it pending again',
};

function fn(name: AssistantToolName, description: string, parameters: Record<string, unknown>): ChatCompletionFunctionTool {
  return { type: 'function', function: { name, description, parameters } };
}

export const TOOL_DEFINITIONS: ChatCompletionFunctionTool[] = [
  fn('add_task', "Add a task to the user's todo list.", parametersOf(TodoCreate, {}, FIELD_HELP)),
  fn(
    'list_tasks',
    "List the user's tasks, optionally only pending or completed ones, or those whose title or description contains a text. Use it to find the task_id of a task the user names.",
    parametersOf(ListTasksArgs, {}, { status: 'all (default), pending or completed', search: 'text the title or description contains' }),
  ),
  fn('complete_task', "Mark one of the user's tasks as completed.", parametersOf(TaskRef.omit({ task_id: true }), { task_id: TASK_ID })),
  fn('delete_task', "Delete one of the user's tasks for good.", parametersOf(TaskRef.omit({ task_id: true }), { task_id: TASK_ID })),
  fn(
    'update_task',
    "Change fields of one of the user's tasks (title, description, priority, tags, due date, completed). Send only the fields to change.",
    parametersOf(TodoUpdate, { task_id: TASK_ID }, FIELD_HELP),
  ),
];
