'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { DESCRIPTION_MAX, PRIORITIES, TITLE_MAX, TodoCreate, type Priority } from '@todo/contract';
import type { ApiResult, FieldErrors, Todo } from '@/app/lib/definitions';
import { Field } from '@/app/ui/form/field';

export type TodoFormValues = {
  title: string;
  description: string;
  priority: Priority;
  tags: string;
  dueDate: string;
};

export type TodoPayload = {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  dueDate: string | null;
};

export const EMPTY_TODO_FORM: TodoFormValues = { title: '', description: '', priority: 'medium', tags: '', dueDate: '' };

export function formValuesFromTodo(todo: Todo): TodoFormValues {
  return {
    title: todo.title,
    description: todo.description,
    priority: todo.priority,
    tags: todo.tags.join(', '),
    dueDate: todo.dueDate ?? '',
  };
}

export function parseTags(raw: string): string[] {
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Checks the form against the API's own schema, so the rules shown are the rules enforced. */
export function validateTodo(values: TodoFormValues): { payload?: TodoPayload; errors: FieldErrors } {
  const payload: TodoPayload = {
    title: values.title.trim(),
    description: values.description,
    priority: values.priority,
    tags: parseTags(values.tags),
    dueDate: values.dueDate || null,
  };
  const parsed = TodoCreate.safeParse(payload);
  if (parsed.success) return { payload, errors: {} };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= capitalize(issue.message);
  }
  return { errors };
}

/** Fields in the order they appear, so "the first bad field" means the first one on screen. */
const FIELD_ORDER: (keyof TodoFormValues)[] = ['title', 'priority', 'dueDate', 'tags', 'description'];

/**
 * Add and edit share this form. Input lives in component state and is cleared only after
 * the server accepted it: a validation or server error never loses what was typed.
 */
export function TodoForm({
  initial = EMPTY_TODO_FORM,
  submitLabel,
  pendingLabel,
  onSubmit,
  onCancel,
  resetOnSuccess = false,
  testId,
  compact = false,
  collapsible = false,
  focusOnMount = false,
}: {
  initial?: TodoFormValues;
  submitLabel: string;
  pendingLabel: string;
  onSubmit: (payload: TodoPayload) => Promise<ApiResult<unknown>>;
  onCancel?: () => void;
  resetOnSuccess?: boolean;
  testId: string;
  compact?: boolean;
  /** On a narrow screen only the title and the submit button show until "More options" is opened. */
  collapsible?: boolean;
  focusOnMount?: boolean;
}) {
  const [values, setValues] = useState<TodoFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [expanded, setExpanded] = useState(false);
  const formErrorId = useId();
  const moreId = useId();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (focusOnMount) (formRef.current?.elements.namedItem('title') as HTMLInputElement | null)?.focus();
  }, [focusOnMount]);

  /** Puts the keyboard on the first field with an error, opening "More options" if it is in there. */
  function focusFirstError(fieldErrors: FieldErrors) {
    const first = FIELD_ORDER.find((k) => fieldErrors[k]);
    if (!first) return;
    if (collapsible && first !== 'title' && !expanded) flushSync(() => setExpanded(true));
    (formRef.current?.elements.namedItem(first) as HTMLElement | null)?.focus();
  }

  const set = (key: keyof TodoFormValues) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => {
    const value = e.target.value;
    setValues((v) => ({ ...v, [key]: value }));
    // An error about a field goes once the user changes that field.
    if (errors[key]) setErrors((errs) => ({ ...errs, [key]: undefined }));
  };

  async function handleSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    setFormError(null);
    const { payload, errors: fieldErrors } = validateTodo(values);
    setErrors(fieldErrors);
    if (!payload) {
      focusFirstError(fieldErrors);
      return;
    }
    setPending(true);
    const result = await onSubmit(payload);
    setPending(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormError(result.message);
      focusFirstError(result.fieldErrors);
      return;
    }
    if (resetOnSuccess) {
      setValues(initial);
      setErrors({});
    }
  }

  return (
    <form
      ref={formRef}
      className={compact ? 'todo-form todo-form-compact' : 'todo-form'}
      onSubmit={handleSubmit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && onCancel && !pending) {
          e.preventDefault();
          onCancel();
        }
      }}
      noValidate
      data-testid={testId}
      data-more={collapsible ? (expanded ? 'open' : 'closed') : undefined}
      aria-describedby={formErrorId}
    >
      <Field label="Title" name="title" error={errors.title} hint={`${values.title.length}/${TITLE_MAX}`} className="field-title">
        {(props) => (
          <input {...props} value={values.title} onChange={set('title')} placeholder="What needs doing?" autoComplete="off" required />
        )}
      </Field>
      {collapsible ? (
        <div className="more-toggle">
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-expanded={expanded}
            aria-controls={moreId}
            onClick={() => setExpanded((x) => !x)}
          >
            More options
          </button>
        </div>
      ) : null}
      <div id={moreId} className="form-more">
        <Field label="Priority" name="priority" error={errors.priority} className="field-priority">
          {(props) => (
            <select {...props} value={values.priority} onChange={set('priority')}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {capitalize(p)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Due date" name="dueDate" error={errors.dueDate} className="field-due">
          {(props) => <input {...props} type="date" value={values.dueDate} onChange={set('dueDate')} />}
        </Field>
        <Field label="Tags" name="tags" error={errors.tags} hint="Separate with commas." className="field-tags">
          {(props) => <input {...props} value={values.tags} onChange={set('tags')} placeholder="work, home" autoComplete="off" />}
        </Field>
        <Field
          label="Description"
          name="description"
          error={errors.description}
          hint={`${values.description.length}/${DESCRIPTION_MAX}`}
          className="field-description"
        >
          {(props) => <textarea {...props} value={values.description} onChange={set('description')} rows={compact ? 3 : 2} />}
        </Field>
      </div>
      <div className="form-actions">
        <div id={formErrorId} role="alert" className="form-error" data-testid="form-error">
          {formError}
        </div>
        {onCancel ? (
          <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
        ) : null}
        {/* Not disabled while saving: that would drop the keyboard's focus to the page. */}
        <button type="submit" className="btn btn-primary" aria-disabled={pending || undefined}>
          {pending ? pendingLabel : submitLabel}
        </button>
      </div>
    </form>
  );
}
