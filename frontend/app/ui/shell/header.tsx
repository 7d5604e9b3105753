import Link from 'next/link';
import type { SessionUser } from '@/app/lib/definitions';
import { SignOutButton } from '@/app/ui/auth/sign-out-button';

export function Header({ environment, user }: { environment: string; user: SessionUser | null }) {
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✓
          </span>
          Todo
        </Link>
        <span className="env-badge" data-testid="env-badge" title="Environment (ENVIRONMENT_NAME)">
          <span className="visually-hidden">Environment: </span>
          {environment}
        </span>
        <div className="topbar-spacer" />
        {user ? (
          <div className="user-menu">
            <span className="user-name" data-testid="user-name" title={user.email}>
              {user.name || user.email}
            </span>
            <SignOutButton />
          </div>
        ) : null}
      </div>
    </header>
  );
}
