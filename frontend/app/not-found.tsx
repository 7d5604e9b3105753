import Link from 'next/link';

export default function NotFound() {
  return (
    <main id="main" className="auth-page">
      <div className="card auth-card">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link className="btn btn-primary" href="/">
          Go to your todos
        </Link>
      </div>
    </main>
  );
}
