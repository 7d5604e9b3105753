'use client';

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { CHAT_MESSAGE_MAX, type ToolCallRecord } from '@todo/contract';
import { notifyTodosChanged } from '@/app/lib/api';
import { chatStatus, conversationMessages, streamChat } from './assistant-api';
import { describeToolCall, localToday, turnsFromMessages, type Turn } from './transcript';
import styles from './assistant.module.css';

/** The open conversation survives a reload of the page (per browser; the server holds the messages). */
const CONVERSATION_KEY = 'todo.assistant.conversationId';

/**
 * Why the assistant is off (a missing OPENAI_API_KEY, say) is for whoever runs the backend: it
 * stays in the API's answer and the docs. The person using the app only needs to know it is off.
 */
type Availability = { state: 'loading' } | { state: 'available'; model: string | null } | { state: 'unavailable' };

let turnCounter = 0;
const turnId = () => `local-${++turnCounter}`;

function ToolCalls({ calls }: { calls: ToolCallRecord[] }) {
  if (calls.length === 0) return null;
  return (
    <ul className={styles.tools} aria-label="Actions taken">
      {calls.map((c) => (
        <li
          key={c.id}
          data-testid="assistant-tool-call"
          data-tool={c.name}
          data-ok={c.ok}
          className={c.ok ? styles.toolOk : styles.toolFailed}
        >
          <span aria-hidden="true">{c.ok ? '✓' : '⚠'}</span> {describeToolCall(c)}
        </li>
      ))}
    </ul>
  );
}

export function AssistantPanel() {
  const [availability, setAvailability] = useState<Availability>({ state: 'loading' });
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  /** The answer being written: text so far and the tool calls already done. */
  const [live, setLive] = useState<{ text: string; toolCalls: ToolCallRecord[] } | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = useId();

  const remember = useCallback((id: string | null) => {
    setConversationId(id);
    try {
      if (id) window.localStorage.setItem(CONVERSATION_KEY, id);
      else window.localStorage.removeItem(CONVERSATION_KEY);
    } catch {
      // Storage disabled: the conversation lasts as long as the page.
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const status = await chatStatus();
      if (cancelled) return;
      if (!status.ok || !status.data.available) {
        setAvailability({ state: 'unavailable' });
        return;
      }
      setAvailability({ state: 'available', model: status.data.model });
      let stored: string | null;
      try {
        stored = window.localStorage.getItem(CONVERSATION_KEY);
      } catch {
        stored = null;
      }
      if (!stored) return;
      const history = await conversationMessages(stored);
      if (cancelled) return;
      if (history.ok) {
        setConversationId(stored);
        setTurns(turnsFromMessages(history.data.items));
      } else {
        // Another user's, or gone: start afresh.
        remember(null);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [remember]);

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [turns, sending, live]);

  async function send() {
    const message = draft.trim();
    if (!message || sending) return;
    setSending(true);
    setTurns((t) => [...t, { kind: 'user', id: turnId(), text: message }]);
    setDraft('');
    setLive({ text: '', toolCalls: [] });
    const result = await streamChat({ message, today: localToday(), ...(conversationId ? { conversationId } : {}) }, (event) => {
      if (event.type === 'conversation') remember(event.conversationId);
      else if (event.type === 'delta') setLive((l) => ({ text: (l?.text ?? '') + event.text, toolCalls: l?.toolCalls ?? [] }));
      else {
        setLive((l) => ({ text: l?.text ?? '', toolCalls: [...(l?.toolCalls ?? []), event.toolCall] }));
        // The list shows each change as soon as it is committed, not only at the end.
        if (event.todosChanged) notifyTodosChanged();
      }
    });
    setLive(null);
    setSending(false);
    if (result.ok) {
      remember(result.data.conversationId);
      setTurns((t) => [...t, { kind: 'assistant', id: turnId(), text: result.data.response, toolCalls: result.data.toolCalls }]);
      if (result.data.todosChanged) notifyTodosChanged();
    } else {
      if (result.status === 503 && result.code === 'ASSISTANT_NOT_CONFIGURED') {
        setAvailability({ state: 'unavailable' });
        return;
      }
      if (result.conversationId) remember(result.conversationId);
      if (result.status === 404 && conversationId) remember(null);
      setTurns((t) => [...t, { kind: 'error', id: turnId(), text: result.message, toolCalls: result.toolCalls }]);
      // Work done before the failure is real: the list must show it.
      if (result.todosChanged) notifyTodosChanged();
    }
    inputRef.current?.focus();
  }

  function newConversation() {
    remember(null);
    setTurns([]);
    inputRef.current?.focus();
  }

  const available = availability.state === 'available';

  return (
    <section className={`card ${styles.panel}`} aria-labelledby="assistant-heading" data-testid="assistant-panel">
      <div className={styles.header}>
        <h2 id="assistant-heading" className="section-title">
          Assistant
        </h2>
        {available && (turns.length > 0 || conversationId) ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={newConversation} disabled={sending}>
            New chat
          </button>
        ) : null}
      </div>

      {availability.state === 'loading' ? (
        <p className="muted" aria-busy="true">
          Checking the assistant…
        </p>
      ) : availability.state === 'unavailable' ? (
        <div className={styles.unavailable} role="status" data-testid="assistant-unavailable">
          <strong>The assistant is not available right now.</strong>
          <span className="muted">Your todos work as usual.</span>
        </div>
      ) : (
        <>
          <div
            ref={logRef}
            className={styles.log}
            role="log"
            aria-live="polite"
            aria-label="Conversation with the assistant"
            data-testid="assistant-log"
          >
            {turns.length === 0 ? (
              <p className="muted">
                Ask me to add, find, complete, change or delete todos — e.g. “add buy milk tomorrow” or “what is still pending?”.
              </p>
            ) : (
              turns.map((turn) => (
                <div
                  key={turn.id}
                  className={turn.kind === 'user' ? styles.user : turn.kind === 'error' ? styles.error : styles.assistant}
                  data-testid={`assistant-turn-${turn.kind}`}
                  role={turn.kind === 'error' ? 'alert' : undefined}
                >
                  <span className="visually-hidden">
                    {turn.kind === 'user' ? 'You: ' : turn.kind === 'error' ? 'Error: ' : 'Assistant: '}
                  </span>
                  {turn.text ? <p className={styles.text}>{turn.text}</p> : null}
                  {turn.kind !== 'user' ? <ToolCalls calls={turn.toolCalls} /> : null}
                </div>
              ))
            )}
            {live && (live.text || live.toolCalls.length > 0) ? (
              <div className={styles.assistant} data-testid="assistant-turn-live" aria-busy="true">
                {live.text ? <p className={styles.text}>{live.text}</p> : null}
                <ToolCalls calls={live.toolCalls} />
              </div>
            ) : null}
            {sending ? (
              <p className={`muted ${styles.thinking}`} data-testid="assistant-thinking">
                Thinking…
              </p>
            ) : null}
          </div>

          <form
            className={styles.form}
            onSubmit={(e) => {
              e.preventDefault();
              void send();
            }}
          >
            <label htmlFor={inputId} className="visually-hidden">
              Message the assistant
            </label>
            <textarea
              id={inputId}
              ref={inputRef}
              name="message"
              rows={2}
              maxLength={CHAT_MESSAGE_MAX}
              value={draft}
              placeholder="Message the assistant"
              aria-describedby={hintId}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                // Enter sends, Shift+Enter adds a line (and IME composition is left alone).
                if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  void send();
                }
              }}
            />
            <span id={hintId} className="visually-hidden">
              Enter sends, Shift+Enter starts a new line.
            </span>
            <button type="submit" className="btn btn-primary" disabled={sending || draft.trim() === ''}>
              {sending ? 'Sending…' : 'Send'}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
