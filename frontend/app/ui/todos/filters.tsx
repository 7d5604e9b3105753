'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { DUE_FILTERS, PRIORITIES, SORT_FIELDS, STATUSES } from '@todo/contract';
import { hasFilters, type ListState } from '@/app/lib/list-query';

const LABELS: Record<string, string> = {
  all: 'All',
  pending: 'Open',
  completed: 'Done',
  overdue: 'Overdue',
  today: 'Due today',
  week: 'Due this week',
  none: 'No due date',
  due: 'Due date',
  priority: 'Priority',
  created: 'Created',
  title: 'Title',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

const SEARCH_DEBOUNCE_MS = 300;

/** Typing updates the list after a short pause; Enter applies at once. */
function useDebouncedInput(value: string, apply: (v: string) => void) {
  const [draft, setDraft] = useState(value);
  const applyRef = useRef(apply);
  const draftRef = useRef(draft);
  useEffect(() => {
    applyRef.current = apply;
    draftRef.current = draft;
  });
  // A change from outside (Back button, "Clear filters") replaces the draft; our own
  // debounced update does not (it would eat a trailing space while typing).
  useEffect(() => {
    if (value !== draftRef.current.trim()) setDraft(value);
  }, [value]);
  useEffect(() => {
    if (draft.trim() === value) return;
    const t = setTimeout(() => applyRef.current(draft.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [draft, value]);
  return [draft, setDraft] as const;
}

export function Filters({ state, onChange }: { state: ListState; onChange: (patch: Partial<ListState>) => void }) {
  const ids = { q: useId(), tag: useId(), priority: useId(), due: useId(), sort: useId(), order: useId() };
  const [q, setQ] = useDebouncedInput(state.q, (v) => onChange({ q: v }));
  const [tag, setTag] = useDebouncedInput(state.tag, (v) => onChange({ tag: v }));

  return (
    <section className="filters" aria-label="Search, filter and sort">
      <form
        role="search"
        className="search"
        onSubmit={(e) => {
          e.preventDefault();
          onChange({ q: q.trim() });
        }}
      >
        <label htmlFor={ids.q} className="visually-hidden">
          Search todos
        </label>
        <input
          id={ids.q}
          type="search"
          placeholder="Search title or description…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="search-input"
        />
      </form>

      <div className="segmented" role="group" aria-label="Status">
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={state.status === s}
            className={state.status === s ? 'is-active' : ''}
            onClick={() => onChange({ status: s })}
            data-testid={`status-${s}`}
          >
            {LABELS[s]}
          </button>
        ))}
      </div>

      <div className="filter-row">
        <div className="mini-field">
          <label htmlFor={ids.priority}>Priority</label>
          <select
            id={ids.priority}
            value={state.priority}
            onChange={(e) => onChange({ priority: e.target.value as ListState['priority'] })}
            data-testid="filter-priority"
          >
            <option value="">Any</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {LABELS[p]}
              </option>
            ))}
          </select>
        </div>
        <div className="mini-field">
          <label htmlFor={ids.due}>Due</label>
          <select
            id={ids.due}
            value={state.due}
            onChange={(e) => onChange({ due: e.target.value as ListState['due'] })}
            data-testid="filter-due"
          >
            <option value="">Any time</option>
            {DUE_FILTERS.map((d) => (
              <option key={d} value={d}>
                {LABELS[d]}
              </option>
            ))}
          </select>
        </div>
        <div className="mini-field">
          <label htmlFor={ids.tag}>Tag</label>
          <input
            id={ids.tag}
            value={tag}
            onChange={(e) => setTag(e.target.value)}
            placeholder="any"
            autoComplete="off"
            data-testid="filter-tag"
          />
        </div>
        <div className="mini-field">
          <label htmlFor={ids.sort}>Sort by</label>
          <select
            id={ids.sort}
            value={state.sort}
            onChange={(e) => onChange({ sort: e.target.value as ListState['sort'] })}
            data-testid="sort-field"
          >
            {SORT_FIELDS.map((s) => (
              <option key={s} value={s}>
                {LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="mini-field">
          <label htmlFor={ids.order}>Order</label>
          <select
            id={ids.order}
            value={state.order}
            onChange={(e) => onChange({ order: e.target.value as ListState['order'] })}
            data-testid="sort-order"
          >
            <option value="">Default</option>
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </div>
        {hasFilters(state) ? (
          <button
            type="button"
            className="btn btn-ghost btn-sm clear-filters"
            onClick={() => onChange({ q: '', status: 'all', priority: '', tag: '', due: '' })}
          >
            Clear filters
          </button>
        ) : null}
      </div>
    </section>
  );
}
