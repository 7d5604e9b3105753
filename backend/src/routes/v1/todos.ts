import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, Todo, TodoCreate, TodoIdParams, TodoList, TodoListQuery, TodoUpdate } from '@todo/contract';
import { notFound } from '../../http-error.js';

const errors = { 400: ApiError, 401: ApiError, 404: ApiError, 413: ApiError, 415: ApiError };

/** /api/v1/todos — registered inside the authenticated scope, so request.user is set. */
export default async function todoRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const repo = app.todosRepository;

  r.get('/todos', {
    schema: {
      tags: ['todos'],
      summary: 'List your todos: search, filter, sort, paginate',
      querystring: TodoListQuery,
      response: { 200: TodoList, 400: ApiError, 401: ApiError },
    },
    handler: async (req) => {
      const { items, total } = await repo.list(req.user!.id, req.query);
      return { items, total, page: req.query.page, pageSize: req.query.pageSize };
    },
  });

  r.post('/todos', {
    schema: {
      tags: ['todos'],
      summary: 'Create a todo',
      body: TodoCreate,
      response: { 201: Todo, ...errors },
    },
    handler: async (req, reply) => {
      const todo = await repo.create(req.user!.id, req.body);
      return reply
        .code(201)
        .header('location', `${req.url.split('?')[0]}/${todo.id}`)
        .send(todo);
    },
  });

  r.get('/todos/:id', {
    schema: {
      tags: ['todos'],
      summary: 'Get one of your todos',
      params: TodoIdParams,
      response: { 200: Todo, 400: ApiError, 401: ApiError, 404: ApiError },
    },
    handler: async (req) => {
      const todo = await repo.get(req.user!.id, req.params.id);
      if (!todo) throw notFound('todo');
      return todo;
    },
  });

  const update = {
    schema: {
      tags: ['todos'],
      summary: 'Change some fields of a todo ({"completed": true|false} toggles completion)',
      params: TodoIdParams,
      body: TodoUpdate,
      response: { 200: Todo, ...errors },
    },
  };
  r.patch('/todos/:id', {
    ...update,
    handler: async (req) => {
      const todo = await repo.update(req.user!.id, req.params.id, req.body);
      if (!todo) throw notFound('todo');
      return todo;
    },
  });

  r.delete('/todos/:id', {
    schema: {
      tags: ['todos'],
      summary: 'Delete a todo',
      params: TodoIdParams,
      response: { 204: z.null().describe('deleted'), 400: ApiError, 401: ApiError, 404: ApiError },
    },
    handler: async (req, reply) => {
      if (!(await repo.remove(req.user!.id, req.params.id))) throw notFound('todo');
      return reply.code(204).send(null);
    },
  });
}
