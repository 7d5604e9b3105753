import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertNoPageErrors,
  eventually,
  openBrowser,
  type BrowserSession,
  RESULTS_DIR,
  startStack,
  STEP_TIMEOUT_MS,
  type Stack,
} from './harness';

/**
 * The browser journey against the app as `npm start` serves it (or BASE_URL):
 * sign up, add three todos, complete one, filter, search, delete one, sign out, sign in, and
 * the data is still there. Steps share one browser and run in order; a failed step fails
 * the run (and the ones after it).
 */

const isoDate = (offsetDays: number) => {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

describe('Todo app in a real browser', { timeout: 20 * 60_000 }, () => {
  let stack: Stack;
  let page: Page;
  let browser: BrowserSession | undefined;
  const user = {
    name: 'Ada Lovelace',
    email: `e2e-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`,
    password: `pw-${randomBytes(8).toString('hex')}`,
  };

  const items = () => page.getByTestId('todo-item');
  const item = (title: string) => items().filter({ has: page.getByTestId('todo-title').getByText(title, { exact: true }) });
  const titles = async () => (await page.getByTestId('todo-title').allTextContents()).sort();
  const newForm = () => page.getByTestId('new-todo-form');

  async function expectTitles(what: string, expected: string[]) {
    await eventually(what, titles, (t) => JSON.stringify(t) === JSON.stringify([...expected].sort()));
  }

  async function addTodo(t: { title: string; priority?: string; tags?: string; due?: string; description?: string }) {
    const form = newForm();
    await form.getByLabel('Title').fill(t.title);
    if (t.priority) await form.getByLabel('Priority').selectOption(t.priority);
    if (t.due) await form.getByLabel('Due date').fill(t.due);
    if (t.tags) await form.getByLabel('Tags').fill(t.tags);
    if (t.description) await form.getByLabel('Description').fill(t.description);
    await form.getByRole('button', { name: 'Add todo' }).click();
    await item(t.title).waitFor({ timeout: STEP_TIMEOUT_MS });
    // The form clears only once the server accepted the todo.
    await eventually(
      'the add form is cleared',
      () => form.getByLabel('Title').inputValue(),
      (v) => v === '',
    );
  }

  before(async () => {
    stack = await startStack();
    browser = await openBrowser('app');
    ({ page } = browser);
  });

  // An uncaught error in the page fails the step it happened in.
  afterEach(() => assertNoPageErrors(browser));

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('an anonymous visitor is sent to sign in, and the environment name is shown', async () => {
    const res = await page.goto(`${stack.baseUrl}/`);
    assert.ok(res, 'no response for /');
    await page.waitForURL(/\/sign-in$/);
    const badge = (await page.getByTestId('env-badge').textContent())?.replace('Environment:', '').trim();
    assert.ok(badge, 'the environment badge is empty');
    if (stack.environmentName) assert.equal(badge, stack.environmentName);
  });

  test('sign up: field errors first, then an account and the empty list', async () => {
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/sign-up$/);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('error-name').getByText('Enter your name.').waitFor();
    await page.getByTestId('error-email').getByText(/email/i).waitFor();

    await page.getByLabel('Name').fill(user.name);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('heading', { name: `Hello, ${user.name}` }).waitFor();
    await page.getByTestId('empty-state').waitFor();
  });

  test('a rejected todo keeps what was typed and says which field is wrong', async () => {
    const form = newForm();
    await form.getByLabel('Description').fill('kept after the error');
    await form.getByRole('button', { name: 'Add todo' }).click();
    await form.getByTestId('error-title').getByText(/title/i).waitFor();
    assert.equal(await form.getByLabel('Description').inputValue(), 'kept after the error');
    assert.equal(await form.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    // The title gets focus, so a keyboard user lands where the problem is.
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'title');
    await form.getByLabel('Description').fill('');
  });

  test('add three todos with priority, tags and due dates', async () => {
    await addTodo({ title: 'Buy milk', priority: 'high', tags: 'groceries, errands', due: isoDate(0) });
    await addTodo({ title: 'Write report', priority: 'medium', tags: 'work', due: isoDate(3), description: 'Q3 figures' });
    await addTodo({ title: 'Call plumber', priority: 'low', tags: 'home' });
    await expectTitles('three todos listed', ['Buy milk', 'Write report', 'Call plumber']);
    assert.match((await page.getByTestId('todo-total').textContent()) ?? '', /^3 todos/);
  });

  test('complete one', async () => {
    await item('Buy milk').getByTestId('todo-toggle').check();
    await eventually(
      'Buy milk is completed',
      () => item('Buy milk').getAttribute('data-completed'),
      (v) => v === 'true',
    );
    // Enabled again once the server has answered.
    await eventually(
      'the server confirmed',
      () => item('Buy milk').getByTestId('todo-toggle').isEnabled(),
      (v) => v,
    );
    assert.equal(await item('Write report').getAttribute('data-completed'), 'false');
  });

  test('filter by status, priority, tag and due date', async () => {
    await page.getByTestId('status-completed').click();
    await expectTitles('status = done', ['Buy milk']);
    await page.getByTestId('status-pending').click();
    await expectTitles('status = open', ['Write report', 'Call plumber']);
    await page.getByTestId('status-all').click();
    await expectTitles('status = all', ['Buy milk', 'Write report', 'Call plumber']);

    await page.getByTestId('filter-priority').selectOption('low');
    await expectTitles('priority = low', ['Call plumber']);
    await page.getByTestId('filter-priority').selectOption('');

    // A tag chip filters by its tag.
    await item('Write report').getByRole('button', { name: 'Show todos tagged work' }).click();
    await expectTitles('tag = work', ['Write report']);
    assert.equal(await page.getByTestId('filter-tag').inputValue(), 'work');
    await page.getByRole('button', { name: 'Clear filters' }).click();

    await page.getByTestId('filter-due').selectOption('none');
    await expectTitles('due = none', ['Call plumber']);
    await page.getByTestId('filter-due').selectOption('');
    await expectTitles('no filter', ['Buy milk', 'Write report', 'Call plumber']);
  });

  test('sort by title', async () => {
    await page.getByTestId('sort-field').selectOption('title');
    await page.getByTestId('sort-order').selectOption('asc');
    await eventually(
      'sorted by title',
      () => page.getByTestId('todo-title').allTextContents(),
      (t) => JSON.stringify(t) === JSON.stringify(['Buy milk', 'Call plumber', 'Write report']),
    );
    assert.match(page.url(), /sort=title/);
  });

  test('search by keyword (title and description)', async () => {
    await page.getByTestId('search-input').fill('plumb');
    await expectTitles('search "plumb"', ['Call plumber']);
    await page.getByTestId('search-input').fill('figures');
    await expectTitles('search "figures" (in a description)', ['Write report']);
    await page.getByTestId('search-input').fill('no such thing');
    await page.getByTestId('empty-state').getByText('No todos match').waitFor();
    await page.getByTestId('search-input').fill('');
    await expectTitles('search cleared', ['Buy milk', 'Write report', 'Call plumber']);
  });

  test('edit one', async () => {
    await item('Call plumber').getByRole('button', { name: 'Edit: Call plumber' }).click();
    const form = page.getByTestId('edit-todo-form');
    await form.getByLabel('Title').fill('Call the plumber');
    await form.getByLabel('Priority').selectOption('high');
    await form.getByRole('button', { name: 'Save' }).click();
    await item('Call the plumber').waitFor();
    assert.match((await item('Call the plumber').textContent()) ?? '', /high/);
  });

  test('delete one (with a confirmation step)', async () => {
    await item('Write report').getByRole('button', { name: 'Delete: Write report' }).click();
    await item('Write report').getByRole('button', { name: 'Confirm delete' }).click();
    await expectTitles('Write report is gone', ['Buy milk', 'Call the plumber']);
  });

  test('add one with the keyboard only', async () => {
    await newForm().getByLabel('Title').focus();
    await page.keyboard.type('Water the plants');
    await page.keyboard.press('Enter');
    await item('Water the plants').waitFor();
    await expectTitles('three todos again', ['Buy milk', 'Call the plumber', 'Water the plants']);
  });

  test('screenshots of the list (desktop and phone width)', async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(RESULTS_DIR, 'todo-list.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await item('Buy milk').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'todo-list-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('sign out: the list is no longer reachable', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in$/);
    await page.goto(`${stack.baseUrl}/`);
    await page.waitForURL(/\/sign-in$/);
    const res = await page.request.get(`${stack.baseUrl}/api/v1/todos`);
    assert.equal(res.status(), 401, 'the API refuses a signed-out browser');
  });

  test('sign in: a wrong password is refused clearly, the right one shows the same data', async () => {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(
      'an error is shown',
      () => page.getByTestId('form-error').textContent(),
      (t) => !!t && t.length > 0,
    );
    assert.equal(await page.getByLabel('Email').inputValue(), user.email, 'the email is kept after the error');

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expectTitles('the data is still there', ['Buy milk', 'Call the plumber', 'Water the plants']);
    assert.equal(await item('Buy milk').getAttribute('data-completed'), 'true');
    if (stack.environmentName) {
      assert.match((await page.getByTestId('env-badge').textContent()) ?? '', new RegExp(stack.environmentName));
    }
  });

  test('paginates ten per page, and the page lives in the URL', async () => {
    // Enough todos for a second page, created through the same origin with the browser's session.
    for (let i = 1; i <= 9; i++) {
      const res = await page.request.post(`${stack.baseUrl}/api/v1/todos`, { data: { title: `Bulk ${String(i).padStart(2, '0')}` } });
      assert.equal(res.status(), 201, await res.text());
    }
    await page.goto(`${stack.baseUrl}/?sort=title&order=asc`);
    await page.getByTestId('page-indicator').getByText('Page 1 of 2').waitFor();
    assert.match((await page.getByTestId('todo-total').textContent()) ?? '', /^12 todos/);
    assert.equal(await items().count(), 10);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByTestId('page-indicator').getByText('Page 2 of 2').waitFor();
    await expectTitles('the second page', ['Call the plumber', 'Water the plants']);
    assert.match(page.url(), /page=2/);
    await page.reload();
    await expectTitles('the second page after a reload', ['Call the plumber', 'Water the plants']);
  });
});
