import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getSessionUserOrNull } from '@/app/lib/session';
import { AuthForm } from '@/app/ui/auth/auth-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage() {
  if (await getSessionUserOrNull()) redirect('/');
  return (
    <main id="main" className="auth-page">
      <AuthForm mode="sign-in" />
    </main>
  );
}
