import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import axe from 'axe-core';
import type { Locator, Page } from 'playwright-core';
import { SECRET_ENV, TITLE_MAX } from '@todo/contract';
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
 * The app driven the way a keyboard or screen-reader user drives it: only page.keyboard, no
 * clicks, on a desktop and on a phone viewport. After every step the test checks where focus
 * went (a lost focus sends a keyboard user back to the top of the page), what the polite live
 * region said, and runs axe-core on the page as it is, failing on any violation.
 */

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

/** Describes an element well enough for a failure message to say where focus really is. */
const FOCUSED = () => {
  const el = document.activeElement as HTMLElement | null;
  if (!el || el === document.body) return 'the page body';
  const label = el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent?.trim().slice(0, 40);
  return `<${el.tagName.toLowerCase()}> ${label ?? ''}`.trim();
};

async function expectFocused(page: Page, target: Locator, what: string): Promise<void> {
  await eventually(
    `focus on ${what}`,
    async () =>
      (await target.evaluate((el) => el === document.activeElement).catch(() => false)) ? 'there' : await page.evaluate(FOCUSED),
    (where) => where === 'there',
  );
}

/** Presses Tab (or Shift+Tab) until target has focus: the way a keyboard user gets anywhere. */
async function tabTo(page: Page, target: Locator, what: string, { back = false, max = 80 } = {}): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${what} cannot be reached with ${back ? 'Shift+Tab' : 'Tab'} (focus is on ${await page.evaluate(FOCUSED)})`);
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: string[] };

async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  // A client-side navigation sets the new title a moment after the new page shows.
  await eventually(
    `the title of ${state}`,
    () => page.title(),
    (t) => t !== '',
  );
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
  assert.deepEqual(violations as AxeViolation[], [], `axe-core violations on ${state}:\n${JSON.stringify(violations, null, 2)}`);
}

/** The text of the elements an input's aria-describedby points at. */
async function description(field: Locator): Promise<string> {
  return field.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );
}

describe('Keyboard, screen reader and phone use', { timeout: 20 * 60_000 }, () => {
  let stack: Stack;

  before(async () => {
    assertChromium();
    // The assistant off, whatever the caller's shell exports: its unavailable state is checked.
    stack = await startStack({ backendEnv: { [SECRET_ENV.openaiApiKey]: '' } });
  });

  after(async () => {
    await stack?.stop();
  });

  for (const { name: device, viewport } of VIEWPORTS) {
    describe(`on a ${device} (${viewport.width}×${viewport.height})`, () => {
      let browser: BrowserSession | undefined;
      let page: Page;
      const user = {
        name: `Grace ${device}`,
        email: `e2e-kbd-${device}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`,
        password: `pw-${randomBytes(8).toString('hex')}`,
      };
      const newForm = () => page.getByTestId('new-todo-form');
      const newTitle = () => newForm().getByLabel('Title');
      const rows = () => page.getByTestId('todo-item');
      const row = (title: string) => rows().filter({ has: page.getByTestId('todo-title').getByText(title, { exact: true }) });
      const announcer = () => page.getByTestId('announcer');
      const listSettled = () =>
        eventually(
          'the list has reloaded',
          () => page.getByTestId('todo-list').getAttribute('aria-busy'),
          (v) => v !== 'true',
        );
      const announced = (pattern: RegExp) =>
        eventually(
          `the live region says ${pattern}`,
          () => announcer().textContent(),
          (t) => pattern.test(t ?? ''),
        );

      before(async () => {
        browser = await openBrowser(`keyboard-${device}`, viewport);
        page = browser.page;
      });

      afterEach(() => assertNoPageErrors(browser));

      after(async () => {
        await browser?.close();
      });

      test('sign up: a refused form puts focus on the first bad field, which says what is wrong', async () => {
        await page.goto(`${stack.baseUrl}/sign-up`);
        await expectNoAxeViolations(page, 'the sign-up page');
        const submit = page.getByRole('button', { name: 'Create account' });
        await tabTo(page, submit, 'the Create account button');
        await page.keyboard.press('Enter');
        const name = page.getByLabel('Name');
        await expectFocused(page, name, 'the Name field');
        assert.equal(await name.getAttribute('aria-invalid'), 'true');
        assert.match(await description(name), /Enter your name/);
        await expectNoAxeViolations(page, 'the sign-up page with errors');

        await page.keyboard.type(user.name);
        await tabTo(page, page.getByLabel('Email'), 'the Email field');
        await page.keyboard.type(user.email);
        await tabTo(page, page.getByLabel('Password'), 'the Password field');
        await page.keyboard.type(user.password);
        await page.keyboard.press('Enter');
        await page.waitForURL((url) => url.pathname === '/');
        await page.getByTestId('empty-state').waitFor();
      });

      test('the live region is in the page from the first render, and the assistant speaks to users', async () => {
        // Served HTML, before any script ran: a region added later would miss its first message.
        const html = await (await page.request.get(`${stack.baseUrl}/`)).text();
        assert.match(html, /<p[^>]*role="status"[^>]*aria-live="polite"[^>]*data-testid="announcer"/);

        const notice = page.getByTestId('assistant-unavailable');
        await notice.waitFor();
        const text = (await notice.textContent()) ?? '';
        assert.match(text, /^The assistant is not available right now\./);
        assert.doesNotMatch(text, /OPENAI|backend|configured/i);
        await expectNoAxeViolations(page, 'the empty list');
      });

      test('the title shows its length and limit; too long a title is refused at the title', async () => {
        await tabTo(page, newTitle(), 'the Title field');
        assert.match(await description(newTitle()), new RegExp(`\\b0/${TITLE_MAX}\\b`));
        await page.keyboard.insertText('x'.repeat(250));
        assert.match(await description(newTitle()), new RegExp(`\\b250/${TITLE_MAX}\\b`));
        await page.keyboard.press('Enter');
        await eventually(
          'the title is refused',
          () => description(newTitle()),
          (d) => /at most 200/.test(d),
        );
        await expectFocused(page, newTitle(), 'the Title field');
        assert.equal(await newTitle().getAttribute('aria-invalid'), 'true');
        await expectNoAxeViolations(page, 'the add form with a too-long title');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Backspace');
      });

      test('add todos with the keyboard; each is announced and focus stays in the title', async () => {
        for (const title of ['Alpha', 'Bravo']) {
          await expectFocused(page, newTitle(), 'the Title field');
          await page.keyboard.type(title);
          await page.keyboard.press('Enter');
          await row(title).waitFor();
          await announced(new RegExp(`^Todo added: ${title}$`));
          await eventually(
            'the add form is cleared',
            () => newTitle().inputValue(),
            (v) => v === '',
          );
          if (title === 'Alpha') {
            // The list must start on the first screen, not below the add form.
            const top = await rows()
              .first()
              .evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
            assert.ok(top < viewport.height, `the first todo starts at ${Math.round(top)}px, below the ${viewport.height}px screen`);
          }
        }
        // The button, not Enter in the field: focus must stay on it while and after it saves.
        await page.keyboard.type('Charlie');
        const add = newForm().getByRole('button', { name: 'Add todo' });
        await tabTo(page, add, 'the Add todo button');
        await page.keyboard.press('Enter');
        await row('Charlie').waitFor();
        await announced(/^Todo added: Charlie$/);
        await listSettled();
        await expectFocused(page, add, 'the Add todo button');
        await expectNoAxeViolations(page, 'the list with three todos');
        mkdirSync(RESULTS_DIR, { recursive: true });
        await page.screenshot({ path: path.join(RESULTS_DIR, `keyboard-${device}.png`) });
      });

      test('the extra fields of the add form: behind "More options" on a phone, shown on a desktop', async () => {
        const toggle = newForm().getByRole('button', { name: 'More options' });
        const priority = newForm().getByLabel('Priority');
        if (device === 'desktop') {
          assert.equal(await toggle.isVisible(), false, 'no disclosure where everything fits');
          assert.equal(await priority.isVisible(), true);
          return;
        }
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        assert.equal(await priority.isVisible(), false);
        await tabTo(page, toggle, 'the More options button');
        await page.keyboard.press('Enter');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        assert.equal(await priority.isVisible(), true);
        await expectNoAxeViolations(page, 'the add form with more options open');
        await expectFocused(page, toggle, 'the More options button');
        await page.keyboard.press('Enter');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      });

      test('toggle with Space: focus stays on the checkbox and the change is announced', async () => {
        const check = row('Bravo').getByTestId('todo-toggle');
        await tabTo(page, check, 'the checkbox of Bravo');
        await page.keyboard.press('Space');
        await eventually(
          'Bravo is completed',
          () => row('Bravo').getAttribute('data-completed'),
          (v) => v === 'true',
        );
        await announced(/^Todo completed: Bravo$/);
        await listSettled();
        await expectFocused(page, check, 'the checkbox of Bravo');
        await page.keyboard.press('Space');
        await announced(/^Todo marked as not done: Bravo$/);
        await listSettled();
        await expectFocused(page, check, 'the checkbox of Bravo');
        await expectNoAxeViolations(page, 'the list after toggling');
      });

      test('edit: focus goes into the form, Escape cancels back to Edit, saving returns to Edit', async () => {
        const edit = (title: string) => row(title).getByRole('button', { name: `Edit: ${title}` });
        const editTitle = () => page.getByTestId('edit-todo-form').getByLabel('Title');
        await tabTo(page, edit('Bravo'), 'Edit of Bravo');
        await page.keyboard.press('Enter');
        await expectFocused(page, editTitle(), 'the title field of the edit form');
        assert.equal(await editTitle().inputValue(), 'Bravo');
        assert.match(await description(editTitle()), new RegExp(`\\b5/${TITLE_MAX}\\b`));
        await expectNoAxeViolations(page, 'the edit form');

        await page.keyboard.press('Escape');
        await page.getByTestId('edit-todo-form').waitFor({ state: 'detached' });
        await expectFocused(page, edit('Bravo'), 'Edit of Bravo (after Escape)');

        await page.keyboard.press('Enter');
        await expectFocused(page, editTitle(), 'the title field of the edit form');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type('Bravo edited');
        await page.keyboard.press('Enter');
        await row('Bravo edited').waitFor();
        await announced(/^Todo saved: Bravo edited$/);
        await listSettled();
        await expectFocused(page, edit('Bravo edited'), 'Edit of the saved todo');
      });

      test('delete: focus goes to Confirm delete, then to the next row, or to the heading after the last', async () => {
        const titles = await page.getByTestId('todo-title').allTextContents();
        assert.equal(titles.length, 3, `three todos expected, found ${JSON.stringify(titles)}`);
        const [first, second, third] = titles as [string, string, string];
        const del = (title: string) => row(title).getByRole('button', { name: `Delete: ${title}` });
        const confirm = (title: string) => row(title).getByRole('button', { name: 'Confirm delete' });

        // Escape (like Keep) backs out and returns to Delete.
        await tabTo(page, del(first), `Delete of ${first}`, { back: true });
        await page.keyboard.press('Enter');
        await expectFocused(page, confirm(first), 'Confirm delete');
        await expectNoAxeViolations(page, 'the delete confirmation');
        await page.keyboard.press('Escape');
        await expectFocused(page, del(first), `Delete of ${first}`);

        // Enter twice deletes: the second Enter lands on Confirm delete, not on Keep.
        await page.keyboard.press('Enter');
        await expectFocused(page, confirm(first), 'Confirm delete');
        await page.keyboard.press('Enter');
        await row(first).waitFor({ state: 'detached' });
        await announced(new RegExp(`^Todo deleted: ${first}$`));
        await expectFocused(page, row(second).getByTestId('todo-toggle'), `the checkbox of ${second}, the next row`);

        // The last row has no next one: focus goes to the list heading.
        await tabTo(page, del(third), `Delete of ${third}`);
        await page.keyboard.press('Enter');
        await expectFocused(page, confirm(third), 'Confirm delete');
        await page.keyboard.press('Enter');
        await row(third).waitFor({ state: 'detached' });
        await announced(new RegExp(`^Todo deleted: ${third}$`));
        await expectFocused(page, page.getByTestId('list-heading'), 'the list heading');
        await expectNoAxeViolations(page, 'the list after deleting');
      });

      test('sign in: a refused form puts focus on the field to fix, which points at the message', async () => {
        await tabTo(page, page.getByRole('button', { name: 'Sign out' }), 'Sign out', { back: true });
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/sign-in$/);
        await expectNoAxeViolations(page, 'the sign-in page');

        await tabTo(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the Sign in button');
        await page.keyboard.press('Enter');
        const email = page.getByLabel('Email');
        const password = page.getByLabel('Password');
        await expectFocused(page, email, 'the Email field');
        assert.equal(await email.getAttribute('aria-invalid'), 'true');
        assert.match(await description(email), /Enter your email/);

        await page.keyboard.type(user.email);
        await tabTo(page, password, 'the Password field');
        await page.keyboard.type('wrong-password');
        await page.keyboard.press('Enter');
        await eventually(
          'the refusal is shown',
          () => page.getByTestId('form-error').textContent(),
          (t) => !!t,
        );
        await expectFocused(page, password, 'the Password field');
        assert.equal(await password.getAttribute('aria-invalid'), 'true');
        const refusal = ((await page.getByTestId('form-error').textContent()) ?? '').trim();
        assert.ok((await description(password)).includes(refusal), 'the password field is described by the refusal');
        await expectNoAxeViolations(page, 'the sign-in page with a refusal');

        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(user.password);
        await page.keyboard.press('Enter');
        await page.waitForURL((url) => url.pathname === '/');
        await page.getByRole('heading', { name: `Hello, ${user.name}` }).waitFor();
      });
    });
  }
});
