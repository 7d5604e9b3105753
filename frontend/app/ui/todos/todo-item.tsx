'use client';

import { useState } from 'react';
import { deleteTodo, updateTodo } from '@/app/lib/api';
import type { Todo } from '@/app/lib/definitions';
import { TodoForm, formValuesFromTodo } from './todo-form';

function localToday(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function formatDue(date: string): string {
  // A calendar date, not an instant: format it without shifting it through a time zone.
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
}

export function TodoItem({
  todo,
  onChanged,
  onTagClick,
}: {
  todo: Todo;
  onChanged: () => void;
  onTagClick: (tag: string) => void;
}) {
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm-delete'>('view');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The checkbox answers the click at once; the server's answer confirms or reverts it.
  const [optimistic, setOptimistic] = useState<{ completed: boolean; base: string } | null>(null);
  const completed = optimistic && optimistic.base === todo.updatedAt ? optimistic.completed : todo.completed;
  const today = localToday();
  const overdue = !completed && todo.dueDate !== null && todo.dueDate < today;
  const dueToday = !completed && todo.dueDate === today;

  async function toggle() {
    const next = !completed;
    setOptimistic({ completed: next, base: todo.updatedAt });
    setBusy(true);
    setError(null);
    const result = await updateTodo(todo.id, { completed: next });
    setBusy(false);
    if (!result.ok) {
      setOptimistic(null);
      setError(result.message);
    } else onChanged();
  }

  async function remove() {
    setBusy(true);
    setError(null);
    const result = await deleteTodo(todo.id);
    setBusy(false);
    if (!result.ok && result.status !== 404) {
      setError(result.message);
      return;
    }
    onChanged();
  }

  return (
    <li
      className={`todo-item${completed ? ' is-done' : ''}${overdue ? ' is-overdue' : ''}`}
      data-testid="todo-item"
      data-todo-id={todo.id}
      data-completed={completed}
    >
      {mode === 'edit' ? (
        <div className="todo-edit">
          <h3 className="visually-hidden">Edit “{todo.title}”</h3>
          <TodoForm
            compact
            testId="edit-todo-form"
            initial={formValuesFromTodo(todo)}
            submitLabel="Save"
            pendingLabel="Saving…"
            onCancel={() => setMode('view')}
            onSubmit={async (payload) => {
              const result = await updateTodo(todo.id, payload);
              if (result.ok) {
                setMode('view');
                onChanged();
              }
              return result;
            }}
          />
        </div>
      ) : (
        <>
          <input
            type="checkbox"
            className="todo-check"
            checked={completed}
            onChange={toggle}
            disabled={busy}
            aria-label={`${completed ? 'Mark as not done' : 'Mark as done'}: ${todo.title}`}
            data-testid="todo-toggle"
          />
          <div className="todo-body">
            <p className="todo-title" data-testid="todo-title">
              {todo.title}
            </p>
            {todo.description ? <p className="todo-description">{todo.description}</p> : null}
            <div className="todo-meta">
              <span className={`chip chip-priority chip-${todo.priority}`} title="Priority">
                {todo.priority}
              </span>
              {todo.dueDate ? (
                <span
                  className={`chip chip-due${overdue ? ' chip-overdue' : ''}${dueToday ? ' chip-today' : ''}`}
                  data-testid="todo-due"
                >
                  <span className="visually-hidden">Due </span>
                  {overdue ? 'Overdue · ' : dueToday ? 'Today · ' : ''}
                  {formatDue(todo.dueDate)}
                </span>
              ) : null}
              {todo.tags.map((tag) => (
                <button
                  key={tag}
                  type="button"
                  className="chip chip-tag"
                  onClick={() => onTagClick(tag)}
                  aria-label={`Show todos tagged ${tag}`}
                >
                  #{tag}
                </button>
              ))}
            </div>
            <p role="alert" className="form-error">
              {error}
            </p>
          </div>
          <div className="todo-actions">
            {mode === 'confirm-delete' ? (
              <>
                <button type="button" className="btn btn-danger btn-sm" onClick={remove} disabled={busy} autoFocus>
                  {busy ? 'Deleting…' : 'Confirm delete'}
                </button>
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => setMode('view')} disabled={busy}>
                  Keep
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  onClick={() => setMode('edit')}
                  aria-label={`Edit: ${todo.title}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-sm btn-danger-text"
                  onClick={() => setMode('confirm-delete')}
                  aria-label={`Delete: ${todo.title}`}
                >
                  Delete
                </button>
              </>
            )}
          </div>
        </>
      )}
    </li>
  );
}
