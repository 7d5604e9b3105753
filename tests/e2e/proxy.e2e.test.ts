import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBadGateway, httpSender, proxyContract } from '../../frontend/test/helpers/proxy-cases';
import { closedPort, startUpstream, type Upstream } from '../../frontend/test/helpers/upstream';
import { assertNoPageErrors, ensureFrontendBuilt, openBrowser, freePort, startFrontend, stopChild, waitForHttp } from './harness';

/**
 * The built Next.js server (the standalone output the image runs), not just the proxy
 * function: Next's own request and response handling sits between the browser and the
 * backend, and one build must serve any environment from run-time variables.
 */
describe(
  'the built frontend server',
  { skip: process.env.BASE_URL ? 'BASE_URL set: no local build to test' : false, timeout: 20 * 60_000 },
  () => {
    let upstream: Upstream;
    const servers: ReturnType<typeof startFrontend>[] = [];
    let alphaUrl: string;
    let betaUrl: string;

    before(async () => {
      await ensureFrontendBuilt();
      upstream = await startUpstream();
      const [alphaPort, betaPort, deadPort] = [await freePort(), await freePort(), await closedPort()];
      alphaUrl = `http://127.0.0.1:${alphaPort}`;
      betaUrl = `http://127.0.0.1:${betaPort}`;
      // Same build, two environments: one in front of a live backend, one whose backend is down.
      servers.push(startFrontend({ name: 'frontend-alpha', port: alphaPort, apiBaseUrl: upstream.url, environmentName: 'alpha-env' }));
      servers.push(
        startFrontend({ name: 'frontend-beta', port: betaPort, apiBaseUrl: `http://127.0.0.1:${deadPort}`, environmentName: 'beta-env' }),
      );
      await Promise.all([
        waitForHttp(`${alphaUrl}/sign-in`, servers[0], (s) => s === 200, 120_000),
        waitForHttp(`${betaUrl}/sign-in`, servers[1], (s) => s === 200, 120_000),
      ]);
    });

    after(async () => {
      await Promise.all(servers.map((s) => stopChild(s)));
      await upstream?.close();
    });

    describe('forwards /api/* to API_BASE_URL read at run time', () => {
      proxyContract(() => httpSender(alphaUrl), { trustsClient: false });
    });

    test('adds the client address as X-Forwarded-For', async () => {
      const r = await httpSender(alphaUrl)('/api/echo');
      assert.equal(JSON.parse(r.body.toString()).headers['x-forwarded-for'], '127.0.0.1');
    });

    test('hostile requests get a clean 4xx from the server, never a 500 or a reset', async () => {
      const send = httpSender(alphaUrl);
      const trace = await send('/api/v1/todos', { method: 'TRACE' });
      assert.equal(trace.status, 405);
      assert.match(trace.header('allow') ?? '', /GET/);
      assert.equal((await send('/', { method: 'TRACE' })).status, 405);
      const badEncoding = await send('/api/v1/todos/%ff');
      assert.equal(badEncoding.status, 400);
      assert.match(JSON.parse(badEncoding.body.toString()).error.message, /percent-encoding/);
      for (const length of [9 * 1024, 20 * 1024, 64 * 1024]) {
        assert.equal((await send(`/api/${'a'.repeat(length)}`)).status, 414, `a ${length}-byte URL`);
      }
      assert.equal((await send('/sign-in', { headers: { 'x-big': 'b'.repeat(20 * 1024) } })).status, 431);
    });

    test('a 10 MB body is refused with 413 naming the limit, every time', async () => {
      const body = Buffer.alloc(10 * 1024 * 1024);
      for (let i = 0; i < 8; i++) {
        const r = await httpSender(alphaUrl)('/api/v1/todos', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(r.status, 413, `try ${i + 1}: ${r.body.toString()}`);
        assert.match(JSON.parse(r.body.toString()).error.message, /limit of 1048576 bytes/);
      }
    });

    test('answers 502 BAD_GATEWAY as JSON when the backend is unreachable', async () => {
      assertBadGateway(await httpSender(betaUrl)('/api/v1/todos'));
      assertBadGateway(await httpSender(betaUrl)('/api/auth/sign-in/email', { method: 'POST', body: '{}' }));
    });

    test('shows each server its own ENVIRONMENT_NAME from one build', async () => {
      const alpha = (await httpSender(alphaUrl)('/sign-in')).body.toString();
      const beta = (await httpSender(betaUrl)('/sign-in')).body.toString();
      assert.match(alpha, /data-testid="env-badge"[^>]*>(<[^>]+>[^<]*<\/[^>]+>)*alpha-env</);
      assert.match(beta, /beta-env/);
      assert.doesNotMatch(alpha, /beta-env/);
      assert.doesNotMatch(beta, /alpha-env/);
    });

    test('in a browser, an unreachable backend is reported on the form and the input is kept', async () => {
      const browser = await openBrowser('proxy');
      try {
        const { page } = browser;
        await page.goto(`${betaUrl}/sign-in`);
        await page.getByLabel('Email').fill('someone@example.com');
        await page.getByLabel('Password').fill('a-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page
          .getByTestId('form-error')
          .getByText(/unreachable/i)
          .waitFor({ timeout: 20_000 });
        assert.equal(await page.getByLabel('Email').inputValue(), 'someone@example.com');
        assert.equal(await page.getByLabel('Password').inputValue(), 'a-password');
        assertNoPageErrors(browser);
      } finally {
        await browser.close();
      }
    });

    test('pages are rendered per request (not frozen at build time)', async () => {
      const r = await httpSender(alphaUrl)('/sign-in');
      assert.match(r.header('cache-control') ?? '', /no-store|no-cache|private/);
    });
  },
);
