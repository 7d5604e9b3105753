/**
 * The signed-in page frame: the main column, and a side panel slot beside it (below it on a
 * phone). The assistant's chat panel goes in `aside`; with none the main column fills the row.
 */
export function AppShell({ children, aside }: { children: React.ReactNode; aside?: React.ReactNode }) {
  return (
    <div className={aside ? 'shell shell-with-aside' : 'shell'}>
      <main id="main" className="shell-main" tabIndex={-1}>
        {children}
      </main>
      {aside ? (
        <aside className="shell-aside" aria-label="Side panel">
          {aside}
        </aside>
      ) : null}
    </div>
  );
}
