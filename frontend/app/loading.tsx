import { TodoListSkeleton } from '@/app/ui/todos/skeleton';

export default function Loading() {
  return (
    <div className="shell">
      <div className="shell-main">
        <TodoListSkeleton />
      </div>
    </div>
  );
}
