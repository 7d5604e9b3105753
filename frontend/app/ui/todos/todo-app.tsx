'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createTodo, listTodos, TODOS_CHANGED_EVENT } from '@/app/lib/api';
import type { TodoList } from '@/app/lib/definitions';
import { apiQueryFromListState, hasFilters, listStateFromParams, paramsFromListState, type ListState } from '@/app/lib/list-query';
import { useAnnounce } from '@/app/ui/a11y/announcer';
import { Filters } from './filters';
import { Pagination } from './pagination';
import { TodoForm } from './todo-form';
import { TodoItem, type TodoChange } from './todo-item';

const SAID: Record<TodoChange, string> = {
  completed: 'Todo completed',
  reopened: 'Todo marked as not done',
  saved: 'Todo saved',
  deleted: 'Todo deleted',
};

export function TodoApp() {
  const router = useRouter();
  const searchParams = useSearchParams();
  const state = useMemo(() => listStateFromParams(new URLSearchParams(searchParams.toString())), [searchParams]);
  const [data, setData] = useState<TodoList | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  // Loading is derived, not set from the effect: the list is loading until the answer for the
  // current view and version has arrived.
  const requestKey = `${JSON.stringify(state)}#${version}`;
  const [answeredKey, setAnsweredKey] = useState<string | null>(null);
  const loading = answeredKey !== requestKey;
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const announce = useAnnounce();
  const listSectionRef = useRef<HTMLElement>(null);
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  /** The row a change came from, so focus has somewhere to go if that row leaves the list. */
  const focusAfterLoad = useRef<{ id: string; index: number } | null>(null);

  // The view lives in the URL; Next.js syncs useSearchParams with history.replaceState
  // without a server round trip.
  const update = useCallback(
    (patch: Partial<ListState>) => {
      const next = { ...state, ...patch, page: patch.page ?? 1 };
      const qs = paramsFromListState(next).toString();
      window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
    },
    [state],
  );

  useEffect(() => {
    let cancelled = false;
    listTodos(apiQueryFromListState(state)).then((result) => {
      if (cancelled) return;
      setAnsweredKey(requestKey);
      if (result.ok) {
        setData(result.data);
        setLoadError(null);
        // Deleting the last item of the last page leaves the view on an empty page.
        const lastPage = Math.max(1, Math.ceil(result.data.total / result.data.pageSize));
        if (result.data.items.length === 0 && state.page > lastPage) update({ page: lastPage });
      } else if (result.status === 401) {
        router.replace('/sign-in');
        router.refresh();
      } else {
        setLoadError(result.message);
      }
    });
    return () => {
      cancelled = true;
    };
    // `update` and `requestKey` change with `state` and `version`; listing them would
    // refetch nothing new.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state, version, router]);

  useEffect(() => {
    window.addEventListener(TODOS_CHANGED_EVENT, reload);
    return () => window.removeEventListener(TODOS_CHANGED_EVENT, reload);
  }, [reload]);

  // A deleted row, or one a filter now hides, takes the keyboard's focus with it: hand it to
  // the row that took its place, or to the list heading when none did.
  useEffect(() => {
    const request = focusAfterLoad.current;
    if (!request || loading || !data) return;
    focusAfterLoad.current = null;
    const rows = listSectionRef.current?.querySelectorAll<HTMLElement>('li[data-todo-id]') ?? [];
    const same = [...rows].find((row) => row.dataset.todoId === request.id);
    if (same) {
      const active = document.activeElement;
      if (!active || active === document.body) same.querySelector<HTMLElement>('[data-testid="todo-toggle"]')?.focus();
      return;
    }
    const next = rows[request.index];
    const target = next?.querySelector<HTMLElement>('[data-testid="todo-toggle"], button');
    (target ?? listHeadingRef.current)?.focus();
  }, [data, loading]);

  const total = data?.total ?? 0;
  const items = data?.items ?? [];

  return (
    <div className="todo-app">
      <section className="card" aria-labelledby="add-heading">
        <h2 id="add-heading" className="section-title">
          Add a todo
        </h2>
        <TodoForm
          testId="new-todo-form"
          submitLabel="Add todo"
          pendingLabel="Adding…"
          resetOnSuccess
          collapsible
          onSubmit={async (payload) => {
            const result = await createTodo(payload);
            if (result.ok) {
              announce(`Todo added: ${payload.title}`);
              reload();
            }
            return result;
          }}
        />
      </section>

      <section ref={listSectionRef} className="card" aria-labelledby="list-heading">
        <div className="list-header">
          <h2 id="list-heading" ref={listHeadingRef} tabIndex={-1} className="section-title" data-testid="list-heading">
            Your todos
          </h2>
          <span className="muted" data-testid="todo-total" aria-live="polite">
            {data ? `${total} ${total === 1 ? 'todo' : 'todos'}${hasFilters(state) ? ' match' : ''}` : ''}
          </span>
        </div>
        <Filters state={state} onChange={update} />

        {loadError ? (
          <div role="alert" className="banner banner-error" data-testid="list-error">
            <span>{loadError}</span>
            <button type="button" className="btn btn-ghost btn-sm" onClick={reload}>
              Retry
            </button>
          </div>
        ) : null}

        {data === null && loading ? (
          <ul className="todo-list" aria-busy="true" aria-label="Loading todos">
            {[0, 1, 2].map((i) => (
              <li key={i} className="todo-item skeleton" aria-hidden="true" />
            ))}
          </ul>
        ) : items.length > 0 ? (
          <ul className="todo-list" data-testid="todo-list" aria-busy={loading}>
            {items.map((todo, index) => (
              <TodoItem
                key={todo.id}
                todo={todo}
                onChanged={(change, title) => {
                  focusAfterLoad.current = { id: todo.id, index };
                  announce(`${SAID[change]}: ${title}`);
                  reload();
                }}
                onTagClick={(tag) => update({ tag })}
              />
            ))}
          </ul>
        ) : data ? (
          <p className="empty" data-testid="empty-state">
            {hasFilters(state) ? 'No todos match these filters.' : 'Nothing to do yet. Add your first todo above.'}
          </p>
        ) : null}

        {data ? <Pagination page={state.page} pageSize={data.pageSize} total={total} onPage={(page) => update({ page })} /> : null}
      </section>
    </div>
  );
}
