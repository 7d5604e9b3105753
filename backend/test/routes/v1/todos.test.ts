import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { TITLE_MAX, DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, PAGE_SIZE_MAX, type Todo } from '@todo/contract';
import { client, forEachBackend, signUp, useApp } from '../../helper.js';

const TODOS = '/api/v1/todos';

forEachBackend('/api/v1/todos', (backend) => {
  const t = useApp(backend);
  let alice: ReturnType<typeof client>;
  let bob: ReturnType<typeof client>;
  before(async () => {
    alice = client(t.app, (await signUp(t.app, 'alice')).cookie);
    bob = client(t.app, (await signUp(t.app, 'bob')).cookie);
  });

  it('creates a todo with defaults and returns it with 201 and a Location', async () => {
    const res = await alice.post(TODOS, { title: '  Buy milk  ' });
    assert.equal(res.statusCode, 201);
    const todo = res.json<Todo>();
    assert.equal(todo.title, 'Buy milk', 'the title is trimmed');
    assert.equal(todo.description, '');
    assert.equal(todo.completed, false);
    assert.equal(todo.priority, 'medium');
    assert.deepEqual(todo.tags, []);
    assert.equal(todo.dueDate, null);
    assert.match(todo.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.location, `${TODOS}/${todo.id}`);
    const got = await alice.get(`${TODOS}/${todo.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), todo);
  });

  it('stores every field and removes duplicate tags', async () => {
    const res = await alice.post(TODOS, {
      title: 'Tax return',
      description: 'forms in the drawer',
      priority: 'high',
      tags: ['admin', 'home', 'admin'],
      dueDate: '2027-04-30',
    });
    assert.equal(res.statusCode, 201);
    const todo = res.json<Todo>();
    assert.equal(todo.description, 'forms in the drawer');
    assert.equal(todo.priority, 'high');
    assert.deepEqual(todo.tags, ['admin', 'home']);
    assert.equal(todo.dueDate, '2027-04-30');
  });

  it('updates fields with PATCH, toggles completion back and forth and bumps updatedAt', async () => {
    const todo = (await alice.post(TODOS, { title: 'Call mum', dueDate: '2027-01-01' })).json<Todo>();
    // Timestamps have millisecond precision: let the clock move so a bump is visible.
    await setTimeout(5);
    const done = await alice.patch(`${TODOS}/${todo.id}`, { completed: true });
    assert.equal(done.statusCode, 200);
    assert.equal(done.json<Todo>().completed, true);
    assert.ok(
      Date.parse(done.json<Todo>().updatedAt) > Date.parse(todo.updatedAt),
      `updatedAt ${done.json<Todo>().updatedAt} is not after ${todo.updatedAt}`,
    );
    assert.equal(done.json<Todo>().createdAt, todo.createdAt);
    const undone = await alice.patch(`${TODOS}/${todo.id}`, { completed: false });
    assert.equal(undone.json<Todo>().completed, false);
    const edited = await alice.patch(`${TODOS}/${todo.id}`, {
      title: 'Call mum on Sunday',
      description: 'about the holidays',
      priority: 'low',
      tags: ['family'],
      dueDate: null,
    });
    assert.equal(edited.statusCode, 200);
    assert.deepEqual(
      { ...edited.json<Todo>(), updatedAt: '', createdAt: '' },
      {
        ...todo,
        title: 'Call mum on Sunday',
        description: 'about the holidays',
        priority: 'low',
        tags: ['family'],
        dueDate: null,
        updatedAt: '',
        createdAt: '',
      },
    );
  });

  it('deletes a todo: 204, then 404', async () => {
    const todo = (await alice.post(TODOS, { title: 'Temporary' })).json<Todo>();
    const res = await alice.delete(`${TODOS}/${todo.id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal((await alice.get(`${TODOS}/${todo.id}`)).statusCode, 404);
    assert.equal((await alice.delete(`${TODOS}/${todo.id}`)).statusCode, 404);
  });

  it('returns 404 in the error shape for a todo that does not exist', async () => {
    const res = await alice.get(`${TODOS}/00000000-0000-4000-8000-000000000000`);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'NOT_FOUND', message: 'todo not found' } });
  });

  it('isolates users: B can neither read, update, delete nor list A’s todos', async () => {
    const secret = (await alice.post(TODOS, { title: 'Alice only', tags: ['private'] })).json<Todo>();
    for (const res of [
      await bob.get(`${TODOS}/${secret.id}`),
      await bob.patch(`${TODOS}/${secret.id}`, { completed: true }),
      await bob.patch(`${TODOS}/${secret.id}`, { title: 'hijacked' }),
      await bob.delete(`${TODOS}/${secret.id}`),
    ]) {
      assert.equal(res.statusCode, 404, 'another user’s todo is a 404, not a 403');
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const listed = await bob.get(`${TODOS}?pageSize=100`);
    assert.equal(listed.statusCode, 200);
    assert.equal(
      listed.json().items.some((x: Todo) => x.id === secret.id),
      false,
    );
    assert.equal((await bob.get(`${TODOS}?tag=private`)).json().total, 0);
    assert.equal((await bob.get(`${TODOS}?q=Alice`)).json().total, 0);
    const still = (await alice.get(`${TODOS}/${secret.id}`)).json<Todo>();
    assert.deepEqual(still, secret, 'A’s todo is untouched');
  });

  it('requires a session for every todo route (401 in the error shape)', async () => {
    const anon = client(t.app);
    const forged = client(t.app, 'better-auth.session_token=forged.value');
    const id = '00000000-0000-4000-8000-000000000000';
    for (const c of [anon, forged]) {
      for (const res of [
        await c.get(TODOS),
        await c.post(TODOS, { title: 'x' }),
        await c.get(`${TODOS}/${id}`),
        await c.patch(`${TODOS}/${id}`, { completed: true }),
        await c.delete(`${TODOS}/${id}`),
      ]) {
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
        assert.equal(typeof res.json().error.message, 'string');
      }
    }
  });

  it('leaves a todo unchanged when an update is rejected', async () => {
    const todo = (await alice.post(TODOS, { title: 'Keep me', priority: 'low', tags: ['a'] })).json<Todo>();
    const bad = await alice.patch(`${TODOS}/${todo.id}`, { title: 'Changed', priority: 'urgent' });
    assert.equal(bad.statusCode, 400);
    const tooLong = await alice.patch(`${TODOS}/${todo.id}`, { completed: true, description: 'x'.repeat(DESCRIPTION_MAX + 1) });
    assert.equal(tooLong.statusCode, 400);
    assert.deepEqual((await alice.get(`${TODOS}/${todo.id}`)).json(), todo);
  });

  // Every field of every input: the message names the field that is wrong.
  const createCases: [string, unknown, string][] = [
    ['missing title', {}, 'body.title'],
    ['empty title', { title: '' }, 'body.title'],
    ['blank title', { title: '   ' }, 'body.title'],
    ['title too long', { title: 'x'.repeat(TITLE_MAX + 1) }, 'body.title'],
    ['title not a string', { title: 42 }, 'body.title'],
    ['title with NUL', { title: 'a\u0000b' }, 'body.title'],
    ['description too long', { title: 'ok', description: 'x'.repeat(DESCRIPTION_MAX + 1) }, 'body.description'],
    ['description not a string', { title: 'ok', description: ['x'] }, 'body.description'],
    ['unknown priority', { title: 'ok', priority: 'urgent' }, 'body.priority'],
    ['tags not an array', { title: 'ok', tags: 'home' }, 'body.tags'],
    ['too many tags', { title: 'ok', tags: Array.from({ length: TAGS_MAX + 1 }, (_, i) => `t${i}`) }, 'body.tags'],
    ['empty tag', { title: 'ok', tags: [''] }, 'body.tags.0'],
    ['tag too long', { title: 'ok', tags: ['ok', 'x'.repeat(TAG_MAX + 1)] }, 'body.tags.1'],
    ['dueDate not a date', { title: 'ok', dueDate: 'tomorrow' }, 'body.dueDate'],
    ['dueDate impossible', { title: 'ok', dueDate: '2027-02-30' }, 'body.dueDate'],
    ['dueDate with time', { title: 'ok', dueDate: '2027-02-01T10:00:00Z' }, 'body.dueDate'],
    ['unknown field', { title: 'ok', owner: 'someone-else' }, 'owner'],
    ['completed on create', { title: 'ok', completed: true }, 'completed'],
    ['body not an object', ['title'], 'body'],
  ];
  for (const [name, body, field] of createCases) {
    it(`POST rejects ${name} with 400 naming ${field}`, async () => {
      const res = await alice.post(TODOS, body);
      assert.equal(res.statusCode, 400, res.body);
      const err = res.json().error;
      assert.equal(err.code, 'VALIDATION_ERROR');
      assert.ok(err.message.includes(field), `"${err.message}" names ${field}`);
    });
  }

  const updateCases: [string, unknown, string][] = [
    ['an empty update', {}, 'at least one field'],
    ['completed as a string', { completed: 'true' }, 'body.completed'],
    ['empty title', { title: '' }, 'body.title'],
    ['unknown priority', { priority: 'none' }, 'body.priority'],
    ['bad dueDate', { dueDate: '31/12/2027' }, 'body.dueDate'],
    ['tags with a number', { tags: [1] }, 'body.tags.0'],
    ['id in the body', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
    ['createdAt in the body', { createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
  ];
  for (const [name, body, field] of updateCases) {
    it(`PATCH rejects ${name} with 400 naming ${field}`, async () => {
      const todo = (await alice.post(TODOS, { title: 'target' })).json<Todo>();
      const res = await alice.patch(`${TODOS}/${todo.id}`, body);
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.json().error.message.includes(field), `"${res.json().error.message}" names ${field}`);
    });
  }

  it('rejects an id that is not a UUID with 400 naming params.id', async () => {
    for (const res of [
      await alice.get(`${TODOS}/42`),
      await alice.patch(`${TODOS}/nope`, { completed: true }),
      await alice.delete(`${TODOS}/x`),
    ]) {
      assert.equal(res.statusCode, 400);
      assert.ok(res.json().error.message.includes('params.id'), res.body);
    }
  });

  const queryCases: [string, string][] = [
    ['status=done', 'query.status'],
    ['priority=urgent', 'query.priority'],
    ['due=yesterday', 'query.due'],
    ['sort=random', 'query.sort'],
    ['order=up', 'query.order'],
    ['page=0', 'query.page'],
    ['page=1.5', 'query.page'],
    ['page=abc', 'query.page'],
    [`pageSize=${PAGE_SIZE_MAX + 1}`, 'query.pageSize'],
    ['pageSize=0', 'query.pageSize'],
    [`q=${'x'.repeat(TITLE_MAX + 1)}`, 'query.q'],
    ['q=%00', 'query.q'],
    [`tag=${'x'.repeat(TAG_MAX + 1)}`, 'query.tag'],
    ['today=2027-13-01', 'query.today'],
    ['colour=red', 'colour'],
  ];
  for (const [qs, field] of queryCases) {
    it(`GET /todos rejects ?${qs.slice(0, 30)} with 400 naming ${field}`, async () => {
      const res = await alice.get(`${TODOS}?${qs}`);
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.json().error.message.includes(field), `"${res.json().error.message}" names ${field}`);
    });
  }
});

forEachBackend('GET /api/v1/todos: search, filter, sort, paginate', (backend) => {
  const t = useApp(backend);
  let me: ReturnType<typeof client>;
  const today = '2027-06-15';
  const titles = (res: { json(): { items: Todo[] } }) => res.json().items.map((x) => x.title);

  before(async () => {
    me = client(t.app, (await signUp(t.app, 'lister')).cookie);
    // Created in this order, so "created" order is known.
    const seed = [
      { title: 'Pay rent', priority: 'high', tags: ['home', 'money'], dueDate: '2027-06-10' }, // overdue
      { title: 'water plants', description: 'the BASIL too', priority: 'low', tags: ['home'], dueDate: today },
      { title: 'Book flights', priority: 'medium', tags: ['travel'], dueDate: '2027-06-20' }, // this week
      { title: 'Renew passport', description: 'needs 50% discount code', priority: 'high', tags: ['travel'], dueDate: '2027-07-30' },
      { title: 'Read a book', priority: 'low', tags: [] },
      { title: 'archive emails', priority: 'medium', tags: ['work'], dueDate: '2027-06-01' }, // completed below
    ];
    for (const s of seed) {
      const res = await me.post(TODOS, s);
      assert.equal(res.statusCode, 201);
      if (s.title === 'archive emails') await me.patch(`${TODOS}/${res.json().id}`, { completed: true });
    }
  });

  it('lists newest first by default with total, page and pageSize', async () => {
    const res = await me.get(TODOS);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().total, 6);
    assert.equal(res.json().page, 1);
    assert.equal(res.json().pageSize, 20);
    assert.deepEqual(titles(res), ['archive emails', 'Read a book', 'Renew passport', 'Book flights', 'water plants', 'Pay rent']);
  });

  it('searches title and description, case-insensitively, with % taken literally', async () => {
    assert.deepEqual(titles(await me.get(`${TODOS}?q=BOOK&sort=title`)), ['Book flights', 'Read a book']);
    assert.deepEqual(titles(await me.get(`${TODOS}?q=basil`)), ['water plants']);
    assert.deepEqual(titles(await me.get(`${TODOS}?q=${encodeURIComponent('50%')}`)), ['Renew passport']);
    assert.deepEqual(titles(await me.get(`${TODOS}?q=${encodeURIComponent('%')}`)), ['Renew passport']);
    assert.deepEqual(titles(await me.get(`${TODOS}?q=_`)), []);
    assert.equal((await me.get(`${TODOS}?q=nothing-matches`)).json().total, 0);
  });

  it('filters by status, priority and tag, and combines filters', async () => {
    assert.deepEqual(titles(await me.get(`${TODOS}?status=completed`)), ['archive emails']);
    assert.equal((await me.get(`${TODOS}?status=pending`)).json().total, 5);
    assert.equal((await me.get(`${TODOS}?status=all`)).json().total, 6);
    assert.deepEqual(titles(await me.get(`${TODOS}?priority=high&sort=title`)), ['Pay rent', 'Renew passport']);
    assert.deepEqual(titles(await me.get(`${TODOS}?tag=travel&sort=title`)), ['Book flights', 'Renew passport']);
    assert.deepEqual(titles(await me.get(`${TODOS}?tag=home&priority=low`)), ['water plants']);
    assert.deepEqual(titles(await me.get(`${TODOS}?tag=Home`)), [], 'tags match exactly');
  });

  it('filters by due: overdue (pending only), today, this week, none', async () => {
    assert.deepEqual(titles(await me.get(`${TODOS}?due=overdue&today=${today}`)), ['Pay rent']);
    assert.deepEqual(titles(await me.get(`${TODOS}?due=today&today=${today}`)), ['water plants']);
    assert.deepEqual(titles(await me.get(`${TODOS}?due=week&today=${today}&sort=due`)), ['water plants', 'Book flights']);
    assert.deepEqual(titles(await me.get(`${TODOS}?due=none`)), ['Read a book']);
  });

  it('sorts by title, due, priority and created in both orders', async () => {
    assert.deepEqual(titles(await me.get(`${TODOS}?sort=title`)), [
      'archive emails',
      'Book flights',
      'Pay rent',
      'Read a book',
      'Renew passport',
      'water plants',
    ]);
    assert.deepEqual(titles(await me.get(`${TODOS}?sort=title&order=desc`))[0], 'water plants');
    assert.deepEqual(titles(await me.get(`${TODOS}?sort=due`)), [
      'archive emails',
      'Pay rent',
      'water plants',
      'Book flights',
      'Renew passport',
      'Read a book',
    ]);
    assert.deepEqual(
      titles(await me.get(`${TODOS}?sort=due&order=desc`)),
      ['Renew passport', 'Book flights', 'water plants', 'Pay rent', 'archive emails', 'Read a book'],
      'no due date comes last in both directions',
    );
    const byPriority = (await me.get(`${TODOS}?sort=priority`)).json().items.map((x: Todo) => x.priority);
    assert.deepEqual(byPriority, ['high', 'high', 'medium', 'medium', 'low', 'low']);
    const ascending = (await me.get(`${TODOS}?sort=priority&order=asc`)).json().items.map((x: Todo) => x.priority);
    assert.deepEqual(ascending, ['low', 'low', 'medium', 'medium', 'high', 'high']);
    assert.deepEqual(titles(await me.get(`${TODOS}?sort=created&order=asc`))[0], 'Pay rent');
  });

  it('paginates with a stable order and a total over all pages', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await me.get(`${TODOS}?sort=title&pageSize=2&page=${page}`);
      assert.equal(res.json().total, 6);
      assert.equal(res.json().page, page);
      assert.equal(res.json().pageSize, 2);
      assert.equal(res.json().items.length, 2);
      seen.push(...titles(res));
    }
    assert.deepEqual(seen, titles(await me.get(`${TODOS}?sort=title`)));
    const beyond = await me.get(`${TODOS}?page=99`);
    assert.equal(beyond.statusCode, 200);
    assert.deepEqual(beyond.json().items, []);
    assert.equal(beyond.json().total, 6);
  });
});
