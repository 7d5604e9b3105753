import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { ASSISTANT_ERROR, type ChatMessageList, type TodoList } from '@todo/contract';
import { client, forEachBackend, signUp, useApp } from '../helper.js';
import { startFakeOpenAI, type FakeOpenAI, type Reply } from '../fakes/openai-server.js';

const CHAT = '/api/v1/chat';

/** A chat completion in the wire format, with `message` taken as given (however wrong). */
function completion(message: Record<string, unknown>): string {
  return JSON.stringify({
    id: 'chatcmpl-x',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-test-mini',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

/** The same, as a stream of chunks whose deltas are taken as given. */
function stream(deltas: Record<string, unknown>[]): Reply {
  const chunks = deltas.map((delta) => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: null }],
  }));
  return { raw: `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`, contentType: 'text/event-stream' };
}

const call = (fn: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'call_1',
  type: 'function',
  function: fn,
  ...extra,
});
const addMilk = call({ name: 'add_task', arguments: '{"title":"milk"}' }, { id: 'call_ok' });
const deepArgs = `{"title":${'['.repeat(5000)}${']'.repeat(5000)}}`;

/** Replies an OpenAI-compatible server might send that must not be acted on. */
const malformed: [string, Reply, Reply][] = [
  [
    'tool arguments nested 5,000 levels',
    { raw: completion({ content: null, tool_calls: [call({ name: 'add_task', arguments: deepArgs })] }) },
    stream([{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add_task', arguments: deepArgs } }] }]),
  ],
  [
    'a tool name that is null (next to a valid call)',
    { raw: completion({ content: null, tool_calls: [addMilk, call({ name: null, arguments: '{}' })] }) },
    stream([
      {
        tool_calls: [
          { index: 0, ...addMilk },
          { index: 1, id: 'call_2', type: 'function', function: { name: null, arguments: '{}' } },
        ],
      },
    ]),
  ],
  [
    'a tool name that is a number',
    { raw: completion({ content: null, tool_calls: [call({ name: 42, arguments: '{}' })] }) },
    stream([{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 42, arguments: '{}' } }] }]),
  ],
  ['content that is an object', { raw: completion({ content: { text: 'hi' } }) }, stream([{ content: { text: 'hi' } }])],
  ['content that is a number', { raw: completion({ content: 42 }) }, stream([{ content: 'fine so far' }, { content: 42 }])],
  [
    'a tool call without an id',
    { raw: completion({ content: null, tool_calls: [addMilk, { type: 'function', function: { name: 'list_tasks', arguments: '{}' } }] }) },
    stream([
      {
        tool_calls: [
          { index: 0, ...addMilk },
          { index: 1, type: 'function', function: { name: 'list_tasks', arguments: '{}' } },
        ],
      },
    ]),
  ],
];

forEachBackend('the assistant refuses malformed replies of the AI service', (backend) => {
  let fake: FakeOpenAI;
  const env: Record<string, string> = {};
  before(async () => {
    fake = await startFakeOpenAI();
    Object.assign(env, {
      OPENAI_API_KEY: fake.apiKey,
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODEL: 'gpt-test-mini',
      OPENAI_TIMEOUT_MS: '5000',
      OPENAI_MAX_RETRIES: '0',
    });
  });
  afterEach(() => {
    const left = fake.pending();
    fake.reset();
    assert.equal(left, 0, 'every scripted step was used');
  });
  after(async () => {
    await fake?.close();
  });
  const t = useApp(backend, env);

  async function assertNothingStored(c: ReturnType<typeof client>, conversationId: string, message: string) {
    const stored = (await c.get(`/api/v1/conversations/${conversationId}/messages`)).json<ChatMessageList>();
    assert.deepEqual(
      stored.items.map((m) => [m.role, m.content]),
      [['user', message]],
      'only the user message is stored',
    );
    assert.equal((await c.get('/api/v1/todos')).json<TodoList>().total, 0, 'no tool ran');
  }

  for (const [what, plain, streamed] of malformed) {
    it(`POST /chat: ${what} → 502 naming the AI service, nothing half-stored`, async () => {
      const c = client(t.app, (await signUp(t.app, 'malformed')).cookie);
      fake.script(plain);
      const res = await c.post(CHAT, { message: what });
      assert.equal(res.statusCode, 502, res.body);
      const { error } = res.json();
      assert.equal(error.code, ASSISTANT_ERROR.upstream);
      assert.match(error.message, /AI service/);
      await assertNothingStored(c, error.details.conversationId, what);
    });

    it(`POST /chat/stream: ${what} → an error event naming the AI service, only strings forwarded`, async () => {
      const c = client(t.app, (await signUp(t.app, 'malformed')).cookie);
      fake.script(streamed);
      const res = await c.post(`${CHAT}/stream`, { message: what });
      assert.equal(res.statusCode, 200, res.body);
      const events = res.body
        .split('\n\n')
        .filter((b) => b.trim())
        .map((b) => ({ event: /^event: (.*)$/m.exec(b)![1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) }));
      assert.equal(events.at(-1)!.event, 'error', res.body);
      const { error } = events.at(-1)!.data;
      assert.equal(error.code, ASSISTANT_ERROR.upstream);
      assert.match(error.message, /AI service/);
      for (const e of events.filter((x) => x.event === 'delta'))
        assert.equal(typeof e.data.text, 'string', 'only text reaches the browser');
      assert.ok(!events.some((e) => e.event === 'tool_call'), 'no tool ran');
      await assertNothingStored(c, events[0]!.data.conversationId, what);
    });
  }
});
