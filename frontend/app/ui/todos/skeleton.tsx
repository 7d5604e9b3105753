export function TodoListSkeleton() {
  return (
    <div className="todo-app" aria-busy="true" aria-label="Loading">
      <div className="card skeleton skeleton-form" />
      <div className="card">
        <ul className="todo-list">
          {[0, 1, 2].map((i) => (
            <li key={i} className="todo-item skeleton" />
          ))}
        </ul>
      </div>
    </div>
  );
}
