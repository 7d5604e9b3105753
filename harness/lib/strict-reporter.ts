/**
 * A node:test reporter that prints what `spec` prints and then fails the run on any test
 * that was skipped or marked todo without being asked for.
 *
 * `node --test` exits 0 when a suite skips itself (a missing TEST_DATABASE_URL, a build that
 * is not there): a green run would then hide that nothing was checked. Every runner of the
 * project uses this reporter, so a skip is a failure unless the person running the tests named
 * it in TEST_ALLOWED_SKIPS (newline- or comma-separated substrings of the skipped test's
 * name), e.g. a developer without PostgreSQL: TEST_ALLOWED_SKIPS='[postgres]'.
 *
 * Usage: node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts …
 */
import { spec } from 'node:test/reporters';

type TestEvent = {
  type: string;
  data: { name?: string; file?: string; skip?: string | boolean; todo?: string | boolean; nesting?: number };
};

export function allowedSkips(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.TEST_ALLOWED_SKIPS ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export type Unasked = { name: string; file?: string; reason: string };

/** The skipped or todo tests among `events` that no entry of `allowed` names. */
export function unaskedSkips(events: TestEvent[], allowed: string[]): Unasked[] {
  const found: Unasked[] = [];
  for (const { type, data } of events) {
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const flag = data.skip ?? data.todo;
    if (flag === undefined || flag === false) continue;
    const name = data.name ?? '(unnamed)';
    if (allowed.some((a) => name.includes(a))) continue;
    found.push({ name, file: data.file, reason: typeof flag === 'string' ? flag : data.skip !== undefined ? 'skipped' : 'todo' });
  }
  return found;
}

export function describeUnasked(unasked: Unasked[]): string {
  const lines = unasked.map((u) => `  - ${u.name}${u.file ? ` (${u.file})` : ''}: ${u.reason}`);
  return [
    `\n✖ ${unasked.length} test(s) skipped without being asked for — nothing was checked there:`,
    ...lines,
    'Provide what they need (the reason says what), or name them in TEST_ALLOWED_SKIPS to skip on purpose.\n',
  ].join('\n');
}

export default async function* strictReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const seen: TestEvent[] = [];
  async function* tee(): AsyncGenerator<TestEvent> {
    for await (const event of source) {
      seen.push(event);
      yield event;
    }
  }
  // spec is a Transform stream: feed it the events and pass its text through unchanged.
  const specStream = spec();
  const pump = (async () => {
    for await (const event of tee()) {
      if (!specStream.write(event)) await new Promise((resolve) => specStream.once('drain', resolve));
    }
    specStream.end();
  })();
  for await (const chunk of specStream) yield String(chunk);
  await pump;

  const unasked = unaskedSkips(seen, allowedSkips());
  if (unasked.length > 0) {
    yield describeUnasked(unasked);
    process.exitCode = 1;
  }
}
