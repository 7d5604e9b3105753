'use client';

import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';

type Announce = (message: string) => void;

const AnnouncerContext = createContext<Announce>(() => {});

/** Says a change out loud to screen readers without moving focus. */
export const useAnnounce = () => useContext(AnnouncerContext);

/**
 * Owns the page's polite live region. It is rendered with the page itself, empty: a screen
 * reader only watches a live region that existed before its text changed, so one mounted
 * together with its first message would stay silent.
 */
export function AnnouncerProvider({ children }: { children: React.ReactNode }) {
  const [message, setMessage] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const announce = useCallback<Announce>((next) => {
    // Emptying the region first makes the same words ("Todo added" twice) count as a change.
    setMessage('');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setMessage(next), 50);
  }, []);

  useEffect(() => () => clearTimeout(timer.current), []);

  return (
    <AnnouncerContext.Provider value={announce}>
      {children}
      <p role="status" aria-live="polite" aria-atomic="true" className="visually-hidden" data-testid="announcer">
        {message}
      </p>
    </AnnouncerContext.Provider>
  );
}
