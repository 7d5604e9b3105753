import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { ApiError } from '@todo/contract';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { forEachBackend, signUp, useApp } from '../helper.js';

const TODOS = '/api/v1/todos';

function assertErrorShape(body: string, status: number) {
  const parsed = ApiError.safeParse(JSON.parse(body));
  assert.ok(parsed.success, `status ${status}: ${body} is not {error:{code,message}}`);
}

forEachBackend('errors: one shape, no 500 from client input', (backend) => {
  const t = useApp(backend);
  let cookie: string;
  before(async () => {
    cookie = (await signUp(t.app, 'errors')).cookie;
  });
  const send = (opts: { method?: string; url?: string; body?: string | Buffer; type?: string | null; headers?: Record<string, string> }) =>
    t.app.inject({
      method: (opts.method ?? 'POST') as 'POST',
      url: opts.url ?? TODOS,
      headers: {
        cookie,
        ...(opts.type === null ? {} : { 'content-type': opts.type ?? 'application/json' }),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { payload: opts.body }),
    });

  it('answers 413 in the error shape when the body is over the limit', async () => {
    const res = await send({ body: JSON.stringify({ title: 'x', description: 'y'.repeat(BODY_LIMIT_BYTES) }) });
    assert.equal(res.statusCode, 413);
    assertErrorShape(res.body, 413);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.match(res.json().error.message, new RegExp(String(BODY_LIMIT_BYTES)));
  });

  it('answers 415 naming the content type for anything but JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const res = await send({ body: 'title=x', type });
      assert.equal(res.statusCode, 415, type);
      assertErrorShape(res.body, 415);
      assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.ok(res.json().error.message.includes(type.split(';')[0]!), res.json().error.message);
    }
  });

  it('answers 400 for malformed JSON', async () => {
    for (const body of ['{', '{"title": "x",}', "{'title': 'x'}", 'nul', '\u0000']) {
      const res = await send({ body });
      assert.equal(res.statusCode, 400, body);
      assertErrorShape(res.body, 400);
      assert.match(res.json().error.message, /JSON/);
    }
  });

  it('answers 404 in the error shape for unknown routes, 405 for a method an API path lacks', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api/v2/todos'],
      ['GET', '/'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assertErrorShape(res.body, 404);
    }
    const put = await t.app.inject({ method: 'PUT', url: '/api/v1/health' });
    assert.equal(put.statusCode, 405);
    assertErrorShape(put.body, 405);
  });

  // A handful of hostile inputs: none may produce a 500, every answer has the error shape.
  const nasty: { name: string; method?: string; url?: string; body?: string; type?: string | null; headers?: Record<string, string> }[] = [
    { name: 'JSON null', body: 'null' },
    { name: 'JSON number', body: '123' },
    { name: 'JSON string', body: '"title"' },
    { name: 'empty body with JSON type', body: '' },
    { name: 'prototype pollution', body: '{"title":"x","__proto__":{"admin":true}}' },
    { name: 'constructor pollution', body: '{"title":"x","constructor":{"prototype":{"admin":true}}}' },
    { name: 'deep nesting', body: `{"title":${'['.repeat(5000)}${']'.repeat(5000)}}` },
    { name: 'huge number', body: '{"title":"x","priority":1e999999}' },
    { name: 'lone surrogate', body: '{"title":"\\ud800"}' },
    { name: 'date before year 1', body: '{"title":"x","dueDate":"0000-01-01"}' },
    { name: 'far-future date', body: '{"title":"x","dueDate":"9999-12-31"}' },
    { name: 'NUL in a tag', body: '{"title":"x","tags":["a\\u0000"]}' },
    { name: 'title as object', body: '{"title":{"$gt":""}}' },
    { name: 'array of todos', body: '[{"title":"x"}]' },
    { name: 'SQL in search', method: 'GET', url: `${TODOS}?q=${encodeURIComponent("'; drop table todos; --")}`, type: null },
    { name: 'repeated query keys', method: 'GET', url: `${TODOS}?status=pending&status=completed`, type: null },
    { name: 'array-style query', method: 'GET', url: `${TODOS}?sort[]=title`, type: null },
    { name: 'huge page', method: 'GET', url: `${TODOS}?page=9007199254740993`, type: null },
    { name: 'page in exponent form', method: 'GET', url: `${TODOS}?page=1e400`, type: null },
    { name: 'bad percent-encoding in path', method: 'GET', url: `${TODOS}/%E0%A4%A`, type: null },
    { name: 'bad percent-encoding in query', method: 'GET', url: `${TODOS}?q=%E0%A4%A`, type: null },
    { name: 'very long id', method: 'GET', url: `${TODOS}/${'a'.repeat(5000)}`, type: null },
    { name: 'DELETE with a body', method: 'DELETE', url: `${TODOS}/00000000-0000-4000-8000-000000000000`, body: '{"x":1}' },
    { name: 'charset and JSON type with parameters', body: '{"title":"ok"}', type: 'application/json; charset=latin1' },
    { name: 'garbage cookie', headers: { cookie: 'better-auth.session_token=%%%;;;=' }, body: '{"title":"x"}' },
    { name: 'garbage content-length', headers: { 'content-length': 'abc' }, body: '{"title":"x"}' },
  ];
  for (const n of nasty) {
    it(`never answers 5xx: ${n.name}`, async () => {
      const res = await send(n);
      assert.ok(res.statusCode < 500, `${n.name}: ${res.statusCode} ${res.body}`);
      if (res.statusCode >= 400) assertErrorShape(res.body, res.statusCode);
    });
  }

  it('still works after the fuzzing (no poisoned state)', async () => {
    const res = await send({ body: JSON.stringify({ title: 'after fuzz' }) });
    assert.equal(res.statusCode, 201);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });
});
