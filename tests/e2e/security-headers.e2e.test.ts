import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, ConsoleMessage, Page, Response } from 'playwright-core';
import { openBrowser, startStack, STEP_TIMEOUT_MS, type BrowserSession, type Stack } from './harness';

/**
 * The pages' security headers, proven in Chromium against the app as `npm start` serves it
 * (or BASE_URL): every page answer carries them, Next.js' scripts run under the nonce-based
 * Content-Security-Policy (no violation, no page error, sign-up and adding a todo work), and
 * the sign-in page refuses to be framed.
 */

describe('security headers and the Content-Security-Policy in a real browser', { timeout: 20 * 60_000 }, () => {
  let stack: Stack;
  let browser: BrowserSession;
  let context: BrowserContext;
  let page: Page;
  /** Whatever the browser complained about: any entry fails the test that caused it. */
  let problems: string[] = [];
  const documents: Response[] = [];

  function watch(p: Page) {
    p.on('console', (msg: ConsoleMessage) => {
      // The 404 page's own status is logged as a failed load; that is the page working.
      if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 404/.test(msg.text())) {
        problems.push(`console: ${msg.text()}`);
      }
    });
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    p.on('response', (res) => {
      if (res.request().resourceType() === 'document' && res.url().startsWith(stack.baseUrl)) documents.push(res);
    });
  }

  function assertNoProblems(what: string) {
    const found = problems;
    problems = [];
    assert.deepEqual(found, [], `${what}: the browser reported problems`);
  }

  before(async () => {
    stack = await startStack();
    browser = await openBrowser('security-headers');
    context = browser.context;
    // Injected by the browser itself, so the policy under test does not apply to it.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    page = browser.page;
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('every page answer carries the headers, with a fresh nonce each time', async () => {
    const nonces = new Set<string>();
    for (const path of ['/', '/sign-in', '/sign-up', '/no-such-page', '/sign-in']) {
      documents.length = 0;
      await page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });
      assert.ok(documents.length > 0, `${path}: no document answer seen`);
      for (const res of documents) {
        const h = await res.allHeaders();
        const where = `${path} → ${res.status()} ${new URL(res.url()).pathname}`;
        const csp = h['content-security-policy'] ?? '';
        assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/, `${where}: CSP ${csp}`);
        assert.match(csp, /frame-ancestors 'none'/, where);
        assert.match(csp, /object-src 'none'/, where);
        assert.doesNotMatch(csp, /upgrade-insecure-requests|unsafe-inline|unsafe-eval/, where);
        assert.equal(h['x-frame-options'], 'DENY', where);
        assert.equal(h['x-content-type-options'], 'nosniff', where);
        assert.equal(h['referrer-policy'], 'strict-origin-when-cross-origin', where);
        nonces.add(/'nonce-([^']+)'/.exec(csp)![1]!);
      }
      // Every script of the page was allowed by the nonce, none slipped in without it.
      const unnonced = await page.evaluate(() => Array.from(document.scripts).filter((s) => !s.nonce).length);
      assert.equal(unnonced, 0, `${path}: scripts without the nonce`);
      assertNoProblems(path);
    }
    assert.ok(nonces.size >= 5, `a nonce per answer, got ${nonces.size} distinct`);
  });

  test('sign up and add a todo work under the policy', async () => {
    const email = `csp-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
    await page.goto(`${stack.baseUrl}/sign-up`);
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`pw-${randomBytes(8).toString('hex')}`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const form = page.getByTestId('new-todo-form');
    await form.getByLabel('Title').fill('Runs under a strict CSP');
    await form.getByRole('button', { name: 'Add todo' }).click();
    await page.getByTestId('todo-title').getByText('Runs under a strict CSP', { exact: true }).waitFor();
    // Reloaded: the signed-in page is served, and hydrates, under the policy too.
    await page.reload({ waitUntil: 'networkidle' });
    await page.getByTestId('todo-title').getByText('Runs under a strict CSP', { exact: true }).waitFor();
    assertNoProblems('sign up and add a todo');
  });

  test('the sign-in page cannot be framed', async () => {
    const framer = await context.newPage();
    try {
      const refused = framer.waitForEvent('console', {
        predicate: (msg) => /frame-ancestors|X-Frame-Options/.test(msg.text()),
        timeout: STEP_TIMEOUT_MS,
      });
      await framer.setContent(`<iframe src="${stack.baseUrl}/sign-in" width="600" height="400"></iframe>`);
      await refused;
      const child = framer.frames().find((f) => f !== framer.mainFrame());
      const shown = child
        ? await child
            .locator('form')
            .count()
            .catch(() => 0)
        : 0;
      assert.equal(shown, 0, 'the sign-in form rendered inside a frame');
    } finally {
      await framer.close();
    }
  });
});
