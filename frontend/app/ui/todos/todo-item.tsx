'use client';

import { useEffect, useRef, useState } from 'react';
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

export type TodoChange = 'completed' | 'reopened' | 'saved' | 'deleted';

type Mode = 'view' | 'edit' | 'confirm-delete';
type FocusTarget = 'edit' | 'delete' | 'confirm';

export function TodoItem({
  todo,
  onChanged,
  onTagClick,
}: {
  todo: Todo;
  /** Called once the server has accepted the change, with the title the todo now has. */
  onChanged: (change: TodoChange, title: string) => void;
  onTagClick: (tag: string) => void;
}) {
  const [mode, setMode] = useState<Mode>('view');
  // Switching mode replaces the buttons under the keyboard's focus; this says where focus goes next.
  const focusNext = useRef<FocusTarget | null>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The checkbox answers the click at once; the server's answer confirms or reverts it.
  const [optimistic, setOptimistic] = useState<{ completed: boolean; base: string } | null>(null);
  const completed = optimistic && optimistic.base === todo.updatedAt ? optimistic.completed : todo.completed;
  const today = localToday();
  const overdue = !completed && todo.dueDate !== null && todo.dueDate < today;
  const dueToday = !completed && todo.dueDate === today;

  useEffect(() => {
    const target = focusNext.current;
    focusNext.current = null;
    if (target === 'edit') editRef.current?.focus();
    else if (target === 'delete') deleteRef.current?.focus();
    else if (target === 'confirm') confirmRef.current?.focus();
  }, [mode]);

  function switchTo(next: Mode, focus: FocusTarget | null) {
    focusNext.current = focus;
    setMode(next);
  }

  async function toggle() {
    // While the server answers the checkbox stays focusable (a disabled one drops focus to
    // the page), so a second press is ignored here instead.
    if (busy) return;
    const next = !completed;
    setOptimistic({ completed: next, base: todo.updatedAt });
    setBusy(true);
    setError(null);
    const result = await updateTodo(todo.id, { completed: next });
    setBusy(false);
    if (!result.ok) {
      setOptimistic(null);
      setError(result.message);
    } else onChanged(next ? 'completed' : 'reopened', todo.title);
  }

  async function remove() {
    if (busy) return;
    setBusy(true);
    setError(null);
    const result = await deleteTodo(todo.id);
    setBusy(false);
    if (!result.ok && result.status !== 404) {
      setError(result.message);
      return;
    }
    onChanged('deleted', todo.title);
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
            focusOnMount
            onCancel={() => switchTo('view', 'edit')}
            onSubmit={async (payload) => {
              const result = await updateTodo(todo.id, payload);
              if (result.ok) {
                switchTo('view', 'edit');
                onChanged('saved', payload.title);
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
            aria-disabled={busy || undefined}
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
                <span className={`chip chip-due${overdue ? ' chip-overdue' : ''}${dueToday ? ' chip-today' : ''}`} data-testid="todo-due">
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
          <div
            className="todo-actions"
            onKeyDown={(e) => {
              if (e.key === 'Escape' && mode === 'confirm-delete' && !busy) {
                e.preventDefault();
                switchTo('view', 'delete');
              }
            }}
          >
            {/* Distinct keys: React would otherwise reuse the Edit/Delete elements for these,
                and the focused "Delete" would turn into "Keep" under the keyboard. */}
            {mode === 'confirm-delete' ? (
              <>
                <button
                  key="confirm"
                  ref={confirmRef}
                  type="button"
                  className="btn btn-danger btn-sm"
                  onClick={remove}
                  aria-disabled={busy || undefined}
                  aria-label={busy ? undefined : `Confirm delete: ${todo.title}`}
                >
                  {busy ? 'Deleting…' : 'Confirm delete'}
                </button>
                <button
                  key="keep"
                  type="button"
                  className="btn btn-ghost btn-sm"
                  onClick={() => !busy && switchTo('view', 'delete')}
                  aria-disabled={busy || undefined}
                >
                  Keep
                </button>
              </>
            ) : (
              <>
                <button
                  key="edit"
                  ref={editRef}
                  type="button"
                  className="btn btn-ghost btn-sm"
                  onClick={() => switchTo('edit', null)}
                  aria-label={`Edit: ${todo.title}`}
                >
                  Edit
                </button>
                <button
                  key="delete"
                  ref={deleteRef}
                  type="button"
                  className="btn btn-ghost btn-sm btn-danger-text"
                  onClick={() => switchTo('confirm-delete', 'confirm')}
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
