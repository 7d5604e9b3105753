import { Suspense } from 'react';
import { redirect } from 'next/navigation';
import { getSessionUser } from '@/app/lib/session';
import { AppShell } from '@/app/ui/shell/app-shell';
import { TodoApp } from '@/app/ui/todos/todo-app';
import { TodoListSkeleton } from '@/app/ui/todos/skeleton';
import { AssistantPanel } from '@/app/ui/assistant/assistant-panel';
import { AnnouncerProvider } from '@/app/ui/a11y/announcer';

export default async function HomePage() {
  const user = await getSessionUser();
  if (!user) redirect('/sign-in');
  return (
    <AppShell aside={<AssistantPanel />}>
      <AnnouncerProvider>
        <h1 className="page-title">Hello{user.name ? `, ${user.name}` : ''}</h1>
        <Suspense fallback={<TodoListSkeleton />}>
          <TodoApp />
        </Suspense>
      </AnnouncerProvider>
    </AppShell>
  );
}
