/** Small shared pieces: async state, errors, confirmation, copy, keyboard navigation of lists. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';

export type Async<T> = { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; value: T };

/** Runs `load` whenever `deps` change (the previous run's result is dropped); `reload` runs it again. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): [Async<T>, () => void] {
  const [value, setValue] = useState<Async<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const lastDeps = useRef<readonly unknown[] | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    // New deps: a new thing is loading. A reload of the same thing keeps showing the old value
    // until the new one arrives (no flicker, no lost focus).
    const same = lastDeps.current !== undefined && lastDeps.current.length === deps.length && deps.every((d, i) => Object.is(d, lastDeps.current![i]));
    lastDeps.current = deps;
    if (!same) setValue({ state: 'loading' });
    load(ac.signal).then(
      (v) => !ac.signal.aborted && setValue({ state: 'ready', value: v }),
      (e: unknown) => !ac.signal.aborted && setValue({ state: 'error', error: describeError(e) }),
    );
    return () => ac.abort();
  }, [...deps, tick]);
  return [value, useCallback(() => setTick((t) => t + 1), [])];
}

export function ErrorBox({ error }: { error: string | undefined }) {
  if (error === undefined) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-busy="true">Loading {what}…</p>;
}

/** Shows an async value's loading and error states, else `children(value)`. */
export function Show<T>({ value, what, children }: { value: Async<T>; what: string; children: (v: T) => ComponentChildren }) {
  if (value.state === 'loading') return <Loading what={what} />;
  if (value.state === 'error') return <ErrorBox error={value.error} />;
  return <>{children(value.value)}</>;
}

export interface ConfirmRequest {
  title: string;
  /** What will be removed, each line shown as text. */
  lines: string[];
  action: string;
  run: () => Promise<void>;
}

/** The confirmation of a destructive action: says what it removes, runs it, shows its error. */
export function ConfirmDialog({ req, close }: { req: ConfirmRequest; close: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const go = async () => {
    setBusy(true);
    try {
      await req.run();
      close();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <div class="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">{req.title}</h2>
        <ul class="confirm-lines">
          {req.lines.map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
        <ErrorBox error={error} />
        <div class="actions">
          <button ref={cancel} type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={go} disabled={busy} data-testid="confirm">
            {req.action}
          </button>
        </div>
      </div>
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/**
 * j/k or arrow keys move the focus between the rows of a list (elements with `data-row`),
 * Enter follows the focused row's link (native), `/` focuses the list's search box.
 */
export function useListKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t !== null && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>('[data-search]');
        if (search !== null) {
          e.preventDefault();
          search.focus();
        }
        return;
      }
      const down = e.key === 'j' || e.key === 'ArrowDown';
      const up = e.key === 'k' || e.key === 'ArrowUp';
      if (!down && !up) return;
      const rows = [...document.querySelectorAll<HTMLElement>('[data-row]')];
      if (rows.length === 0) return;
      e.preventDefault();
      const i = rows.indexOf(document.activeElement as HTMLElement);
      const next = i < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, i + (down ? 1 : -1)));
      rows[next]!.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}
