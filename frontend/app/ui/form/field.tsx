'use client';

import { useId } from 'react';

export type FieldControlProps = {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string;
};

/**
 * A labelled control with its hint and its error. The error region is always in the DOM and
 * aria-live, so a screen reader announces a message the moment it appears.
 */
export function Field({
  label,
  name,
  error,
  hint,
  className,
  children,
}: {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string | undefined;
  className?: string;
  children: (props: FieldControlProps) => React.ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={['field', error ? 'field-invalid' : '', className ?? ''].join(' ').trim()}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        'aria-invalid': !!error,
        'aria-describedby': hint ? `${hintId} ${errorId}` : errorId,
      })}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      <p id={errorId} className="field-error" aria-live="polite" data-testid={`error-${name}`}>
        {error}
      </p>
    </div>
  );
}
