'use client';

import { useEffect } from 'react';

/** Unexpected failures of a page (such as the API being down while checking the session). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main id="main" className="auth-page">
      <div className="card auth-card" role="alert" data-testid="page-error">
        <h1>Something went wrong</h1>
        <p className="muted">
          The app could not reach its API. Your data is safe; please try again in a moment.
          {error.digest ? <span className="digest"> (reference {error.digest})</span> : null}
        </p>
        <button type="button" className="btn btn-primary" onClick={reset}>
          Try again
        </button>
      </div>
    </main>
  );
}
