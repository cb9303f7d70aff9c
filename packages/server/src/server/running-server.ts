/**
 * What `startServer()` (src/server/server.ts) returns: the composition root's handle on a running
 * K2V server, used by the CLI and by end-to-end tests.
 */
import type { Store } from '../store/store.js';

export type BoundAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** The TCP address of a listener that was configured with one (tests, benchmarks). */
export function tcpAddress(a: BoundAddress): { readonly host: string; readonly port: number } {
  if (a.kind !== 'tcp') throw new Error(`listening on the Unix socket ${a.path}, not on TCP`);
  return a;
}

export interface RunningServer {
  /** Where the K2V API listens (the real port when configured with port 0, or a socket path). */
  readonly k2v: BoundAddress;
  readonly admin: BoundAddress;
  /** The web console's URL (on the admin listener); undefined when it is not installed or the admin listener is a socket. */
  readonly console: string | undefined;
  readonly store: Store;
  /** Open long polls (PollItem, PollRange): `polls.size` is the number of waiting clients. */
  readonly polls: { readonly size: number };
  /**
   * Graceful stop: stop accepting, answer waiting polls with 304, finish in-flight writes, close
   * the store. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Reads the TLS certificates and keys of the TLS listeners again (also done on SIGHUP while a
   * listener has TLS): new connections get them, open ones are kept. Rejects, keeping the old
   * pair, if a file is unreadable or the pair unusable. Nothing to do without TLS.
   */
  reloadTls(): Promise<void>;
}
