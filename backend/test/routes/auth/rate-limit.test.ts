import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachBackend, signUp, useApp } from '../../helper.js';

/**
 * Better Auth limits sign-in attempts per client address. The address must be the one the
 * socket or a configured proxy vouches for: a client choosing its own X-Forwarded-For must not
 * get a fresh bucket for every wrong password.
 */
const ATTEMPTS = 12;

forEachBackend('auth rate limits key on the client address proxies vouch for', (backend) => {
  async function wrongPasswords(t: ReturnType<typeof useApp>, email: string, remoteAddress: string, forwardedFor: (i: number) => string) {
    const statuses: number[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        remoteAddress,
        headers: { origin: 'http://localhost', 'x-forwarded-for': forwardedFor(i) },
        payload: { email, password: `wrong password ${i}` },
      });
      statuses.push(res.statusCode);
    }
    return statuses;
  }

  describe('with the default (loopback proxies only)', () => {
    const t = useApp(backend, { NODE_ENV: 'production' });
    let email: string;
    before(async () => {
      email = (await signUp(t.app, 'ratelimit')).email;
    });

    it('a client outside spoofing X-Forwarded-For still runs into 429', async () => {
      const statuses = await wrongPasswords(t, email, '203.0.113.7', (i) => `198.51.100.${i + 1}`);
      assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
      assert.ok(statuses.filter((s) => s === 401).length <= 5, `too many attempts got through: ${statuses.join(',')}`);
    });
  });

  describe('with TRUSTED_PROXIES naming the proxy', () => {
    const t = useApp(backend, { NODE_ENV: 'production', TRUSTED_PROXIES: '10.0.0.0/8' });
    let email: string;
    before(async () => {
      email = (await signUp(t.app, 'ratelimit')).email;
    });

    it('distinct clients forwarded by the trusted proxy get distinct buckets', async () => {
      const statuses = await wrongPasswords(t, email, '10.1.2.3', (i) => `198.51.100.${i + 1}`);
      assert.deepEqual(statuses, Array(ATTEMPTS).fill(401), 'each client had its own first attempt');
    });

    it('one client behind the trusted proxy is still limited, whatever it prepends itself', async () => {
      // The proxy appends the address it saw; what the client wrote before that is not vouched for.
      const statuses = await wrongPasswords(t, email, '10.1.2.3', (i) => `192.0.2.${i + 1}, 198.51.100.200`);
      assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
    });

    it('an untrusted peer is its own client, whatever it forwards', async () => {
      const statuses = await wrongPasswords(t, email, '203.0.113.9', (i) => `198.51.100.${i + 100}`);
      assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
    });
  });
});
