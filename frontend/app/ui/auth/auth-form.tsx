'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId, useRef, useState } from 'react';
import { signIn, signUp } from '@/app/lib/api';
import type { FieldErrors } from '@/app/lib/definitions';
import { Field } from '@/app/ui/form/field';

type Mode = 'sign-in' | 'sign-up';

/** Better Auth's default minimum; the server has the last word and its message is shown. */
export const PASSWORD_MIN = 8;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validate(mode: Mode, v: { name: string; email: string; password: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (mode === 'sign-up' && !v.name.trim()) errors.name = 'Enter your name.';
  if (!v.email.trim()) errors.email = 'Enter your email address.';
  else if (!EMAIL_RE.test(v.email.trim())) errors.email = 'Enter an email address such as you@example.com.';
  if (!v.password) errors.password = 'Enter your password.';
  else if (mode === 'sign-up' && v.password.length < PASSWORD_MIN) {
    errors.password = `Use at least ${PASSWORD_MIN} characters.`;
  }
  return errors;
}

/** The form's fields in screen order: focus goes to the first one in trouble. */
const FIELDS = ['name', 'email', 'password'] as const;

export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const formErrorId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  /** The field a refusal that names no field is about (wrong password, taken email). */
  const [blamed, setBlamed] = useState<(typeof FIELDS)[number] | null>(null);
  const [values, setValues] = useState({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const signingUp = mode === 'sign-up';

  const set = (key: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [key]: e.target.value }));

  const focusField = (name: string) => (formRef.current?.elements.namedItem(name) as HTMLElement | null)?.focus();

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFormError(null);
    setBlamed(null);
    const fieldErrors = validate(mode, values);
    setErrors(fieldErrors);
    const firstBad = FIELDS.find((k) => fieldErrors[k]);
    if (firstBad) {
      focusField(firstBad);
      return;
    }

    setPending(true);
    const email = values.email.trim();
    const result = signingUp
      ? await signUp({ name: values.name.trim(), email, password: values.password })
      : await signIn({ email, password: values.password });
    setPending(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormError(result.message);
      // The button was disabled while waiting, which dropped focus to the page.
      const named = FIELDS.find((k) => result.fieldErrors[k]);
      const fallback = signingUp ? 'email' : 'password';
      if (!named) setBlamed(fallback);
      focusField(named ?? fallback);
      return;
    }
    router.replace('/');
    router.refresh();
  }

  return (
    <form ref={formRef} className="card auth-card" onSubmit={onSubmit} noValidate aria-describedby={formErrorId}>
      <h1>{signingUp ? 'Create your account' : 'Sign in'}</h1>
      <p className="muted">{signingUp ? 'Keep your todos in one place.' : 'Welcome back.'}</p>
      {signingUp ? (
        <Field label="Name" name="name" error={errors.name}>
          {(props) => <input {...props} autoComplete="name" value={values.name} onChange={set('name')} />}
        </Field>
      ) : null}
      <Field
        label="Email"
        name="email"
        error={errors.email}
        alsoDescribedBy={blamed === 'email' ? formErrorId : undefined}
        invalid={blamed === 'email'}
      >
        {(props) => <input {...props} type="email" autoComplete="email" value={values.email} onChange={set('email')} />}
      </Field>
      <Field
        label="Password"
        name="password"
        error={errors.password}
        alsoDescribedBy={blamed === 'password' ? formErrorId : undefined}
        invalid={blamed === 'password'}
        hint={signingUp ? `At least ${PASSWORD_MIN} characters.` : undefined}
      >
        {(props) => (
          <input
            {...props}
            type="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            value={values.password}
            onChange={set('password')}
          />
        )}
      </Field>
      <div id={formErrorId} role="alert" aria-live="assertive" className="form-error" data-testid="form-error">
        {formError}
      </div>
      <button type="submit" className="btn btn-primary btn-block" disabled={pending}>
        {pending ? 'Please wait…' : signingUp ? 'Create account' : 'Sign in'}
      </button>
      <p className="auth-switch">
        {signingUp ? (
          <>
            Already have an account? <Link href="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/sign-up">Create an account</Link>
          </>
        )}
      </p>
    </form>
  );
}
