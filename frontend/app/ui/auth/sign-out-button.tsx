'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { signOut } from '@/app/lib/api';

export function SignOutButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onClick() {
    setPending(true);
    setError(null);
    const result = await signOut();
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    router.replace('/sign-in');
    router.refresh();
  }

  return (
    <>
      <button type="button" className="btn btn-ghost" onClick={onClick} disabled={pending}>
        {pending ? 'Signing out…' : 'Sign out'}
      </button>
      <span role="alert" className="header-error">
        {error}
      </span>
    </>
  );
}
