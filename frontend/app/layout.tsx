import type { Metadata, Viewport } from 'next';
import './globals.css';
import { environmentName } from '@/app/lib/config';
import { getSessionUserOrNull } from '@/app/lib/session';
import { Header } from '@/app/ui/shell/header';

export const metadata: Metadata = {
  title: { default: 'Todo', template: '%s · Todo' },
  description: 'Your todos, with an assistant.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#4f46e5' };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const [env, user] = await Promise.all([environmentName(), getSessionUserOrNull()]);
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header environment={env} user={user} />
        {children}
      </body>
    </html>
  );
}
