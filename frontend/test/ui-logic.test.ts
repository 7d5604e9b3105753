import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TITLE_MAX } from '@todo/contract';
import { fieldErrorsFromDetails } from '../app/lib/api';
import { apiQueryFromListState, DEFAULT_LIST_STATE, listStateFromParams, PAGE_SIZE, paramsFromListState } from '../app/lib/list-query';
import { EMPTY_TODO_FORM, parseTags, validateTodo } from '../app/ui/todos/todo-form';

describe('list view ⇄ URL', () => {
  test('a plain list has a plain URL, and every setting survives a round trip', () => {
    assert.equal(paramsFromListState(DEFAULT_LIST_STATE).toString(), '');
    const state = {
      q: 'milk',
      status: 'pending',
      priority: 'high',
      tag: 'home',
      due: 'week',
      sort: 'title',
      order: 'asc',
      page: 3,
    } as const;
    assert.deepEqual(listStateFromParams(paramsFromListState(state)), state);
  });

  test('unknown or malformed values fall back to the defaults instead of failing the page', () => {
    const s = listStateFromParams(new URLSearchParams('status=bogus&priority=urgent&due=yesterday&sort=x&order=up&page=-4'));
    assert.deepEqual(s, DEFAULT_LIST_STATE);
  });

  test('the API query leaves out what is not set and always names a page size', () => {
    assert.deepEqual(apiQueryFromListState(DEFAULT_LIST_STATE), {
      q: undefined,
      status: 'all',
      priority: undefined,
      tag: undefined,
      due: undefined,
      sort: 'created',
      order: undefined,
      page: 1,
      pageSize: PAGE_SIZE,
    });
  });
});

describe('field errors from a 400 answer', () => {
  test("reads the backend's {issues:[{field:'body.title',message}]}", () => {
    assert.deepEqual(
      fieldErrorsFromDetails({
        issues: [
          { field: 'body.title', message: 'too long' },
          { field: 'body.tags.2', message: 'bad tag' },
        ],
      }),
      { title: 'too long', tags: 'bad tag' },
    );
  });
  test('reads zod-style paths and ignores what it cannot place', () => {
    assert.deepEqual(fieldErrorsFromDetails([{ path: ['dueDate'], message: 'not a date' }, { nonsense: true }]), { dueDate: 'not a date' });
    assert.deepEqual(fieldErrorsFromDetails(undefined), {});
    assert.deepEqual(fieldErrorsFromDetails('text'), {});
  });
});

describe('todo form validation (the contract schema)', () => {
  test('tags: split on commas, trimmed, blanks and repeats dropped', () => {
    assert.deepEqual(parseTags(' work, home,,work , '), ['work', 'home']);
  });
  test('a valid form becomes the API payload', () => {
    const { payload, errors } = validateTodo({ ...EMPTY_TODO_FORM, title: '  Buy milk ', tags: 'a, b', dueDate: '2030-01-31' });
    assert.deepEqual(errors, {});
    assert.deepEqual(payload, { title: 'Buy milk', description: '', priority: 'medium', tags: ['a', 'b'], dueDate: '2030-01-31' });
  });
  test('each bad field gets its own message', () => {
    const { payload, errors } = validateTodo({
      ...EMPTY_TODO_FORM,
      title: 'x'.repeat(TITLE_MAX + 1),
      description: 'd'.repeat(1001),
      tags: 't'.repeat(40),
    });
    assert.equal(payload, undefined);
    assert.match(errors.title ?? '', /at most/);
    assert.match(errors.description ?? '', /at most/);
    assert.match(errors.tags ?? '', /at most/);
    assert.match(validateTodo({ ...EMPTY_TODO_FORM, title: '   ' }).errors.title ?? '', /empty/);
  });
});
