/**
 * What `startServer()` (src/server/server.ts) returns: the composition root's handle on a running
 * K2V server, used by the CLI and by end-to-end tests.
 */
import type { Store } from '../store/store.js';

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

export interface RunningServer {
  /** Where the K2V API listens (the real port when configured with port 0). */
  readonly k2v: BoundAddress;
  readonly admin: BoundAddress;
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
