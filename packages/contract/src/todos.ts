import { z } from 'zod';

export const PRIORITIES = ['low', 'medium', 'high'] as const;
export const STATUSES = ['all', 'pending', 'completed'] as const;
export const SORT_FIELDS = ['due', 'priority', 'created', 'title'] as const;
export const DUE_FILTERS = ['overdue', 'today', 'week', 'none'] as const;

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 1000;
export const TAG_MAX = 32;
export const TAGS_MAX = 10;
export const PAGE_SIZE_MAX = 100;

export const Priority = z.enum(PRIORITIES);

/** PostgreSQL text cannot hold U+0000; refuse it up front with a message naming the field. */
const noNul = (field: string) => [(v: string) => !v.includes('\u0000'), `${field} must not contain the NUL character`] as const;
/**
 * The refinements above as JSON Schema patterns, for the OpenAPI document and the model's tool
 * parameters: zod cannot derive them from trim() and refine().
 */
const NO_NUL = { pattern: '^[^\\u0000]*$' };
const NOT_BLANK_NO_NUL = { pattern: '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$' };
export const Tag = z
  .string()
  .trim()
  .min(1, 'tag must not be empty')
  .max(TAG_MAX, `tag must be at most ${TAG_MAX} characters`)
  .refine(...noNul('tag'))
  .meta(NOT_BLANK_NO_NUL);

/** A calendar date (YYYY-MM-DD) or null to clear it. */
export const DueDate = z.iso.date({ message: 'dueDate must be a date in the form YYYY-MM-DD' });

export const Title = z
  .string()
  .trim()
  .min(1, 'title must not be empty')
  .max(TITLE_MAX, `title must be at most ${TITLE_MAX} characters`)
  .refine(...noNul('title'))
  .meta(NOT_BLANK_NO_NUL);
export const Description = z
  .string()
  .max(DESCRIPTION_MAX, `description must be at most ${DESCRIPTION_MAX} characters`)
  .refine(...noNul('description'))
  .meta(NO_NUL);

export const TodoCreate = z.strictObject({
  title: Title,
  description: Description.optional(),
  priority: Priority.default('medium'),
  tags: z.array(Tag).max(TAGS_MAX, `at most ${TAGS_MAX} tags`).default([]),
  dueDate: DueDate.nullable().optional(),
});

export const TodoUpdate = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    completed: z.boolean().optional(),
    priority: Priority.optional(),
    tags: z.array(Tag).max(TAGS_MAX, `at most ${TAGS_MAX} tags`).optional(),
    dueDate: DueDate.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'the update must change at least one field' })
  .meta({ minProperties: 1 });

export const Todo = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  completed: z.boolean(),
  priority: Priority,
  tags: z.array(z.string()),
  dueDate: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const TodoListQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(TITLE_MAX, `q must be at most ${TITLE_MAX} characters`)
    .refine(...noNul('q'))
    .meta(NO_NUL)
    .optional(),
  status: z.enum(STATUSES).default('all'),
  priority: Priority.optional(),
  tag: Tag.optional(),
  due: z.enum(DUE_FILTERS).optional(),
  sort: z.enum(SORT_FIELDS).default('created'),
  order: z.enum(['asc', 'desc']).optional(),
  /** The client's calendar date for the due filters; defaults to the server's UTC date. */
  today: z.iso.date({ message: 'today must be a date in the form YYYY-MM-DD' }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(20),
});

export const TodoList = z.object({
  items: z.array(Todo),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const TodoIdParams = z.strictObject({ id: z.uuid({ message: 'id must be a UUID' }) });

export type Todo = z.infer<typeof Todo>;
export type TodoCreate = z.input<typeof TodoCreate>;
export type TodoUpdate = z.input<typeof TodoUpdate>;
export type TodoListQuery = z.input<typeof TodoListQuery>;
export type TodoList = z.infer<typeof TodoList>;
export type Priority = z.infer<typeof Priority>;
