import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatMessage } from '@todo/contract';
import { describeToolCall, localToday, turnsFromMessages } from '../app/ui/assistant/transcript';

const at = '2027-01-01T00:00:00.000Z';
const msg = (m: Partial<ChatMessage> & Pick<ChatMessage, 'id' | 'role'>): ChatMessage => ({
  content: null,
  toolCalls: null,
  toolCallId: null,
  toolName: null,
  createdAt: at,
  ...m,
});

describe('assistant transcript', () => {
  test('stored messages fold into turns, tool calls under the answer that follows them', () => {
    const turns = turnsFromMessages([
      msg({ id: 'u1', role: 'user', content: 'add milk and eggs' }),
      msg({
        id: 'a1',
        role: 'assistant',
        toolCalls: [
          { id: 'c1', name: 'add_task', arguments: '{"title":"Milk"}' },
          { id: 'c2', name: 'add_task', arguments: '{"title":""}' },
        ],
      }),
      msg({ id: 't1', role: 'tool', toolCallId: 'c1', toolName: 'add_task', content: '{"task_id":"x","status":"created","title":"Milk"}' }),
      msg({
        id: 't2',
        role: 'tool',
        toolCallId: 'c2',
        toolName: 'add_task',
        content: '{"error":{"code":"INVALID_ARGUMENTS","message":"title: title must not be empty"}}',
      }),
      msg({ id: 'a2', role: 'assistant', content: 'Added milk; eggs needs a title.' }),
      msg({ id: 'u2', role: 'user', content: 'thanks' }),
    ]);
    assert.deepEqual(
      turns.map((t) => [t.kind, t.text]),
      [
        ['user', 'add milk and eggs'],
        ['assistant', 'Added milk; eggs needs a title.'],
        ['user', 'thanks'],
      ],
    );
    const answer = turns[1]!;
    assert.ok(answer.kind === 'assistant');
    assert.deepEqual(answer.toolCalls.map(describeToolCall), ['Added “Milk”', 'add task failed: title: title must not be empty']);
  });

  test('tool calls with no answer after them (the service failed) still show', () => {
    const turns = turnsFromMessages([
      msg({ id: 'u1', role: 'user', content: 'add x' }),
      msg({ id: 'a1', role: 'assistant', toolCalls: [{ id: 'c1', name: 'add_task', arguments: '{"title":"X"}' }] }),
      msg({ id: 't1', role: 'tool', toolCallId: 'c1', toolName: 'add_task', content: '{"task_id":"x","status":"created","title":"X"}' }),
      msg({ id: 'u2', role: 'user', content: 'did it work?' }),
    ]);
    assert.deepEqual(
      turns.map((t) => t.kind),
      ['user', 'assistant', 'user'],
    );
    assert.equal(turns[1]!.kind === 'assistant' && describeToolCall(turns[1]!.toolCalls[0]!), 'Added “X”');
  });

  test('the date sent as today is the local calendar date', () => {
    assert.equal(localToday(new Date(2027, 0, 9, 23, 59)), '2027-01-09');
  });
});
