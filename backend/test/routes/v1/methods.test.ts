import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { client, forEachBackend, signUp, useApp } from '../../helper.js';

const ID = '00000000-0000-4000-8000-000000000000';

forEachBackend('methods a path does not have', (backend) => {
  const t = useApp(backend);
  let cookie: string;
  before(async () => {
    cookie = (await signUp(t.app, 'methods')).cookie;
  });
  const send = (method: string, url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: method as 'GET', url, headers: { cookie, ...headers } });

  const cases: [string, string, string][] = [
    ['PUT', '/api/v1/todos', 'GET, HEAD, POST'],
    ['DELETE', '/api/v1/todos', 'GET, HEAD, POST'],
    ['POST', `/api/v1/todos/${ID}`, 'DELETE, GET, HEAD, PATCH'],
    ['PUT', `/api/v1/todos/${ID}`, 'DELETE, GET, HEAD, PATCH'],
    ['PUT', '/api/v1/todos/not-a-uuid', 'DELETE, GET, HEAD, PATCH'],
    ['GET', '/api/v1/chat', 'POST'],
    ['DELETE', '/api/v1/conversations', 'GET, HEAD'],
    ['POST', '/api/v1/health', 'GET, HEAD'],
    ['OPTIONS', '/api/v1/todos/', 'GET, HEAD, POST'],
  ];
  for (const [method, url, allow] of cases) {
    it(`${method} ${url} → 405 with Allow: ${allow}`, async () => {
      const res = await send(method, url);
      assert.equal(res.statusCode, 405, res.body);
      assert.equal(res.headers.allow, allow);
      assert.equal(res.json().error.code, 'METHOD_NOT_ALLOWED');
      assert.match(res.json().error.message, new RegExp(allow));
    });
  }

  it('answers 405 before asking for a session, as the method is wrong whoever asks', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/todos' });
    assert.equal(res.statusCode, 405);
  });

  it('keeps 404 for paths that do not exist, and the routes themselves work', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nothing'],
      ['PUT', '/api/v1/nothing'],
      ['GET', '/api/v1/todos/a/b'],
      ['POST', '/api/v2/todos'],
    ]) {
      const res = await send(method!, url!);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.headers.allow, undefined);
    }
    assert.equal((await client(t.app, cookie).get('/api/v1/todos')).statusCode, 200);
  });
});
