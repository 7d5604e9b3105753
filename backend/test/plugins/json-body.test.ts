import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/plugins/external/json-body.js';
import { forEachBackend, signUp, useApp } from '../helper.js';

const TODOS = '/api/v1/todos';

/** A JSON value nested `depth` levels: {"a":{"a":…}}, small on the wire but deep. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

forEachBackend('JSON bodies: depth and encoding are checked before any route sees them', (backend) => {
  const t = useApp(backend);
  let cookie: string;
  before(async () => {
    cookie = (await signUp(t.app, 'jsonbody')).cookie;
  });
  const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', origin: 'http://localhost', ...headers },
      payload: body,
    });

  for (const url of ['/api/auth/sign-in/email', '/api/auth/sign-up/email', TODOS]) {
    it(`answers 400 naming the depth for a body nested 5,000 levels on ${url}`, async () => {
      const res = await post(url, `{"email":"a@example.com","password":"x","name":${nested(5000)}}`, { cookie });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.message, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    });
  }

  it('still accepts a body at the depth limit', async () => {
    // Depth counts containers: the outer object plus description's value chain.
    const res = await post(TODOS, `{"title":"deep enough","x":${nested(MAX_JSON_DEPTH - 1)}}`, { cookie });
    // Refused by the schema (unknown key), not by the depth check.
    assert.equal(res.statusCode, 400);
    assert.doesNotMatch(res.json().error.message, /nested deeper/);
  });

  it('does not count brackets inside strings', async () => {
    const res = await post(TODOS, JSON.stringify({ title: '['.repeat(150), description: '{'.repeat(500) }), { cookie });
    assert.equal(res.statusCode, 201, res.body);
  });

  it('refuses invalid UTF-8 with 400 naming the field instead of storing U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"title":"ok","description":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await post(TODOS, body, { cookie });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().error.message, /description/);
    assert.match(res.json().error.message, /UTF-8/);
    const list = await t.app.inject({ method: 'GET', url: TODOS, headers: { cookie } });
    assert.ok(!list.body.includes('\ufffd'), 'nothing was stored');
  });

  for (const [field, body] of [
    ['title', '{"title":"a\\ud800b"}'],
    ['description', '{"title":"ok","description":"\\udc00"}'],
    ['tags.1', '{"title":"ok","tags":["fine","x\\ud83d"]}'],
  ] as const) {
    it(`refuses a lone surrogate in ${field} with 400 naming the field`, async () => {
      const res = await post(TODOS, body, { cookie });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.message, new RegExp(`body\\.${field.replace('.', '\\.')}`));
      assert.match(res.json().error.message, /surrogate/);
    });
  }

  it('still accepts a properly paired surrogate (an emoji as escapes)', async () => {
    const res = await post(TODOS, '{"title":"party \\ud83c\\udf89"}', { cookie });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().title, 'party 🎉');
  });
});
