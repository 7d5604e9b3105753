import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachBackend, sessionCookie, useApp } from '../../helper.js';

/**
 * The three front doors: the Next.js server forwarding /api (X-Forwarded-Host/Proto, the
 * browser's Origin kept), an Ingress in front of the backend (same, with https), and a
 * direct call. Better Auth's Origin check must accept each request's own public origin.
 */
forEachBackend('/api/auth (Better Auth)', (backend) => {
  const t = useApp(backend, { AUTH_TRUSTED_ORIGINS: 'https://todo.example.com' });
  const password = 'correct horse battery';

  async function signUpVia(headers: Record<string, string>, name: string) {
    const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      headers,
      payload: { email, password, name },
    });
    return { res, email };
  }

  const doors: [string, Record<string, string>][] = [
    [
      'through the Next.js server',
      { host: 'backend:8000', 'x-forwarded-host': 'localhost:3000', 'x-forwarded-proto': 'http', origin: 'http://localhost:3000' },
    ],
    [
      'through an Ingress with TLS',
      {
        host: 'todo.cluster.test',
        'x-forwarded-host': 'todo.cluster.test',
        'x-forwarded-proto': 'https',
        origin: 'https://todo.cluster.test',
      },
    ],
    ['directly', { host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000' }],
    ['from a listed trusted origin', { host: '127.0.0.1:8000', origin: 'https://todo.example.com' }],
  ];
  for (const [door, headers] of doors) {
    it(`signs up, reads the session, signs out and in again ${door}`, async () => {
      const { res, email } = await signUpVia(headers, 'door');
      assert.equal(res.statusCode, 200, res.body);
      const cookie = sessionCookie(res.headers['set-cookie']);
      const session = await t.app.inject({ method: 'GET', url: '/api/auth/get-session', headers: { ...headers, cookie } });
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().user.email, email);
      const todos = await t.app.inject({ method: 'GET', url: '/api/v1/todos', headers: { ...headers, cookie } });
      assert.equal(todos.statusCode, 200);

      // Sign-out carries the cookie, so the Origin check applies in full.
      const out = await t.app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { ...headers, cookie }, payload: {} });
      assert.equal(out.statusCode, 200, out.body);
      const after = await t.app.inject({ method: 'GET', url: '/api/v1/todos', headers: { cookie } });
      assert.equal(after.statusCode, 401, 'the session is gone from the database');

      const again = await t.app.inject({ method: 'POST', url: '/api/auth/sign-in/email', headers, payload: { email, password } });
      assert.equal(again.statusCode, 200, again.body);
      const newCookie = sessionCookie(again.headers['set-cookie']);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/todos', headers: { cookie: newCookie } })).statusCode, 200);
    });
  }

  it('refuses a cookie-carrying request from a foreign origin with 403 in the error shape', async () => {
    const headers = { host: 'localhost:3000', origin: 'http://localhost:3000' };
    const { res } = await signUpVia(headers, 'csrf');
    const cookie = sessionCookie(res.headers['set-cookie']);
    for (const origin of ['https://evil.example', 'http://localhost:3001', 'null']) {
      const out = await t.app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { ...headers, origin, cookie }, payload: {} });
      assert.equal(out.statusCode, 403, `${origin}: ${out.body}`);
      assert.match(out.json().error.code, /^(INVALID_ORIGIN|MISSING_OR_NULL_ORIGIN)$/);
      assert.equal(typeof out.json().error.message, 'string');
    }
    // The session survived the forged attempts.
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/todos', headers: { cookie } })).statusCode, 200);
  });

  it('rejects a wrong password and a duplicate email with error bodies', async () => {
    const headers = { origin: 'http://localhost' };
    const { res, email } = await signUpVia(headers, 'dup');
    assert.equal(res.statusCode, 200);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      headers,
      payload: { email, password: 'not the password' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(typeof wrong.json().error.code, 'string');
    const dup = await t.app.inject({ method: 'POST', url: '/api/auth/sign-up/email', headers, payload: { email, password, name: 'x' } });
    assert.ok(dup.statusCode >= 400 && dup.statusCode < 500, dup.body);
    assert.equal(typeof dup.json().error.message, 'string');
  });

  it('sets an HttpOnly session cookie', async () => {
    const { res } = await signUpVia({ origin: 'http://localhost' }, 'cookie');
    const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.includes('session_token'));
    assert.ok(raw);
    assert.match(raw, /HttpOnly/i);
    assert.match(raw, /SameSite=Lax/i);
  });
});
