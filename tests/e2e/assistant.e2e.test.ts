import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { BACKEND_CONFIG_ENV, SECRET_ENV } from '@todo/contract';
import {
  addDays,
  lastToolResults,
  lastUserText,
  startFakeOpenAI,
  todayFromPrompt,
  type FakeOpenAI,
} from '../../backend/test/fakes/openai-server.js';
import {
  assertChromium,
  assertNoPageErrors,
  eventually,
  openBrowser,
  type BrowserSession,
  RESULTS_DIR,
  startStack,
  type Stack,
} from './harness';

/**
 * The assistant in a real browser: the backend talks to a scripted fake of the
 * OpenAI API over HTTP; the user asks the chat panel to add a todo and sees it appear in the
 * list without reloading, then asks to complete it. Needs the stack this harness starts (the
 * fake must be reachable from the backend), so it is skipped when BASE_URL names another one.
 */

const external = Boolean(process.env.BASE_URL?.trim());

describe(
  'Assistant chat panel in a real browser',
  { timeout: 20 * 60_000, skip: external ? 'BASE_URL is set: the fake OpenAI server is not reachable from that stack' : false },
  () => {
    let fake: FakeOpenAI;
    let stack: Stack;
    let page: Page;
    let browser: BrowserSession | undefined;
    const user = {
      name: 'Grace Hopper',
      email: `e2e-assistant-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`,
      password: `pw-${randomBytes(8).toString('hex')}`,
    };

    const panel = () => page.getByTestId('assistant-panel');
    const input = () => panel().getByLabel('Message the assistant');
    const item = (title: string) =>
      page.getByTestId('todo-item').filter({ has: page.getByTestId('todo-title').getByText(title, { exact: true }) });

    before(async () => {
      assertChromium();
      fake = await startFakeOpenAI();
      stack = await startStack({
        backendEnv: {
          [SECRET_ENV.openaiApiKey]: fake.apiKey,
          [BACKEND_CONFIG_ENV.openaiBaseUrl]: fake.url,
          [BACKEND_CONFIG_ENV.openaiModel]: 'gpt-e2e',
          [BACKEND_CONFIG_ENV.openaiMaxRetries]: '0',
        },
      });
      browser = await openBrowser('assistant');
      ({ page } = browser);
    });

    afterEach(() => assertNoPageErrors(browser));

    after(async () => {
      await browser?.close();
      await stack?.stop();
      await fake?.close();
    });

    test('sign up and find the assistant ready beside the list', async () => {
      await page.goto(`${stack.baseUrl}/sign-up`);
      await page.getByLabel('Name').fill(user.name);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.getByTestId('empty-state').waitFor();
      await input().waitFor();
      assert.equal(await panel().getByTestId('assistant-unavailable').count(), 0);
    });

    test('ask the assistant to add a todo (keyboard only): it appears in the list without a reload', async () => {
      fake.script(
        (req) => {
          assert.match(lastUserText(req), /buy oat milk tomorrow/i);
          return { toolCalls: [{ name: 'add_task', arguments: { title: 'Buy oat milk', dueDate: addDays(todayFromPrompt(req), 1) } }] };
        },
        // The answer comes late: the list must show the new todo before it, as the tool call is
        // streamed to the browser as soon as it is done (through the Next.js proxy, unbuffered).
        (req) => ({ delayMs: 2500, content: `Added "${lastToolResults(req)[0]!.result.title}" for tomorrow.` }),
      );
      const navigations: string[] = [];
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations.push(f.url());
      });
      await input().focus();
      await page.keyboard.type('add buy oat milk tomorrow');
      await page.keyboard.press('Enter');

      await item('Buy oat milk').waitFor();
      assert.equal(
        await panel().getByText('Added "Buy oat milk" for tomorrow.').count(),
        0,
        'the todo is listed while the answer is still coming',
      );
      await panel().getByTestId('assistant-turn-live').getByTestId('assistant-tool-call').waitFor();
      await panel().getByText('Added "Buy oat milk" for tomorrow.').waitFor();
      assert.ok(
        fake.requests.every((r) => r.body.stream === true),
        'the panel uses the streaming endpoint',
      );
      const tool = panel().getByTestId('assistant-tool-call');
      assert.equal(await tool.count(), 1);
      assert.match((await tool.textContent()) ?? '', /Added “Buy oat milk”/);
      assert.deepEqual(navigations, [], 'the list refreshed in place, with no navigation or reload');
      assert.equal(fake.pending(), 0);
      assert.deepEqual(fake.unexpected, []);
      // The date the model was given is the browser's, and the todo is due the day after.
      assert.equal(await item('Buy oat milk').getAttribute('data-completed'), 'false');
    });

    test('ask it to complete the todo by name: the list shows it done', async () => {
      fake.script(
        { toolCalls: [{ name: 'list_tasks', arguments: { search: 'oat milk' } }] },
        (req) => ({ toolCalls: [{ name: 'complete_task', arguments: { task_id: lastToolResults(req)[0]!.result.tasks[0].task_id } }] }),
        { content: 'Marked "Buy oat milk" as done.' },
      );
      await input().fill('I bought the oat milk');
      await panel().getByRole('button', { name: 'Send' }).click();
      await panel().getByText('Marked "Buy oat milk" as done.').waitFor();
      await eventually(
        'Buy oat milk is completed in the list',
        () => item('Buy oat milk').getAttribute('data-completed'),
        (v) => v === 'true',
      );
      assert.deepEqual(fake.unexpected, []);
      await page.screenshot({ path: path.join(RESULTS_DIR, 'assistant-desktop.png') });
    });

    test('the conversation is still there after a reload (stored on the server)', async () => {
      await page.reload();
      await panel().getByText('Marked "Buy oat milk" as done.').waitFor();
      await panel().getByText('add buy oat milk tomorrow').waitFor();
      assert.ok((await panel().getByTestId('assistant-tool-call').count()) >= 3, 'the tool calls are shown again');
    });

    test('an upstream failure is shown in the panel, and the page keeps working', async () => {
      fake.script({ status: 500, error: { message: 'The server had an error while processing your request.' } });
      await input().fill('hello?');
      await input().press('Enter');
      const alert = panel().getByTestId('assistant-turn-error');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /AI service answered HTTP 500/);
      assert.equal(await input().isEnabled(), true);
    });

    test('on a phone-width screen the panel stacks below the list', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      const list = await page.getByTestId('todo-list').boundingBox();
      const chat = await panel().boundingBox();
      assert.ok(list && chat);
      assert.ok(chat.y >= list.y + list.height - 1, `panel top ${chat.y} is below the list bottom ${list.y + list.height}`);
      assert.ok(chat.width <= 390, 'the panel fits the screen');
      await page.screenshot({ path: path.join(RESULTS_DIR, 'assistant-phone.png'), fullPage: true });
    });
  },
);

describe(
  'Assistant panel when the backend has no OPENAI_API_KEY',
  { timeout: 20 * 60_000, skip: external ? 'BASE_URL is set: this suite starts its own stack' : false },
  () => {
    let stack: Stack;
    let page: Page;
    let browser: BrowserSession | undefined;

    before(async () => {
      assertChromium();
      // An empty key is "unset", whatever the caller's shell exports.
      stack = await startStack({ backendEnv: { [SECRET_ENV.openaiApiKey]: '' } });
      browser = await openBrowser('assistant-off');
      ({ page } = browser);
    });

    afterEach(() => assertNoPageErrors(browser));

    after(async () => {
      await browser?.close();
      await stack?.stop();
    });

    test('the panel says the assistant is off in words for users; the API keeps the reason; the list works', async () => {
      await page.goto(`${stack.baseUrl}/sign-up`);
      await page.getByLabel('Name').fill('Ada');
      await page.getByLabel('Email').fill(`e2e-noai-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`);
      await page.getByLabel('Password').fill(`pw-${randomBytes(8).toString('hex')}`);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      const notice = page.getByTestId('assistant-unavailable');
      await notice.waitFor();
      const text = (await notice.textContent()) ?? '';
      assert.match(text, /The assistant is not available right now/);
      assert.doesNotMatch(text, /OPENAI|backend|configured/i, 'operator instructions are not for the user');
      const status = await page.request.get(`${stack.baseUrl}/api/v1/chat/status`);
      assert.match(((await status.json()) as { message: string }).message, /OPENAI_API_KEY/, 'the reason stays in the API for operators');
      assert.equal(await page.getByTestId('assistant-panel').getByLabel('Message the assistant').count(), 0, 'no input to type into');

      const form = page.getByTestId('new-todo-form');
      await form.getByLabel('Title').fill('Works without AI');
      await form.getByRole('button', { name: 'Add todo' }).click();
      await page.getByTestId('todo-title').getByText('Works without AI', { exact: true }).waitFor();
    });
  },
);
