import { DUE_FILTERS, PRIORITIES, SORT_FIELDS, STATUSES, type TodoListQuery } from '@todo/contract';

/** What the list shows, kept in the URL so a view can be bookmarked, shared and reloaded. */
export type ListState = {
  q: string;
  status: (typeof STATUSES)[number];
  priority: (typeof PRIORITIES)[number] | '';
  tag: string;
  due: (typeof DUE_FILTERS)[number] | '';
  sort: (typeof SORT_FIELDS)[number];
  order: 'asc' | 'desc' | '';
  page: number;
};

export const PAGE_SIZE = 10;

export const DEFAULT_LIST_STATE: ListState = {
  q: '',
  status: 'all',
  priority: '',
  tag: '',
  due: '',
  sort: 'created',
  order: '',
  page: 1,
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** Unknown or malformed values fall back to the defaults rather than failing the page. */
export function listStateFromParams(params: URLSearchParams): ListState {
  const page = Number.parseInt(params.get('page') ?? '', 10);
  return {
    q: params.get('q')?.trim() ?? '',
    status: oneOf(params.get('status'), STATUSES) ?? 'all',
    priority: oneOf(params.get('priority'), PRIORITIES) ?? '',
    tag: params.get('tag')?.trim() ?? '',
    due: oneOf(params.get('due'), DUE_FILTERS) ?? '',
    sort: oneOf(params.get('sort'), SORT_FIELDS) ?? 'created',
    order: oneOf(params.get('order'), ['asc', 'desc'] as const) ?? '',
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** Only the values that differ from the defaults, so a plain list has a plain URL. */
export function paramsFromListState(state: ListState): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULT_LIST_STATE) as (keyof ListState)[]) {
    const value = state[key];
    if (value !== DEFAULT_LIST_STATE[key] && value !== '') params.set(key, String(value));
  }
  return params;
}

export function apiQueryFromListState(state: ListState): TodoListQuery {
  return {
    q: state.q || undefined,
    status: state.status,
    priority: state.priority || undefined,
    tag: state.tag || undefined,
    due: state.due || undefined,
    sort: state.sort,
    order: state.order || undefined,
    page: state.page,
    pageSize: PAGE_SIZE,
  };
}

export function hasFilters(state: ListState): boolean {
  return !!(state.q || state.status !== 'all' || state.priority || state.tag || state.due);
}
