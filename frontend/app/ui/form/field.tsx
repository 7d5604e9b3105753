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
  alsoDescribedBy,
  invalid = false,
  className,
  children,
}: {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string | undefined;
  /** Another message about this field that lives elsewhere (a form-level error). */
  alsoDescribedBy?: string | undefined;
  /** Marks the field as wrong when the message about it is not its own (see alsoDescribedBy). */
  invalid?: boolean;
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
        'aria-invalid': !!error || invalid,
        'aria-describedby': [hint ? hintId : '', errorId, alsoDescribedBy ?? ''].filter(Boolean).join(' '),
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
