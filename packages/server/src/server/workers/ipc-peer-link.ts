/**
 * A worker's PeerLink (store/lmdb/peer-processes.ts) over its IPC channel to the cluster primary,
 * which relays every message to the other workers. The store calls `send` once a commit is
 * durable; the changes of one event turn go out as one message (a busy worker commits thousands
 * of writes a second).
 */
import type { PeerLink } from '../../store/lmdb/peer-processes.js';
import type { ItemChange } from '../../store/store.js';
import { decodeChanges, encodeChanges, parseMessage } from './worker-messages.js';

/** A send to a primary that just died: this worker is stopping already ('disconnect'). */
export function ignoreGone(): void {}

export function ipcPeerLink(proc: NodeJS.Process = process): PeerLink {
  let pending: ItemChange[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    // Not connected: the primary is gone and this worker is stopping (primary.ts). It can also go
    // between the check and the write: the callback takes that EPIPE (else an 'error' event
    // nobody handles would kill the worker in the middle of its drain).
    if (proc.connected && proc.send !== undefined) proc.send(encodeChanges(batch), undefined, undefined, ignoreGone);
  };
  return {
    send(changes) {
      if (pending.length === 0) setImmediate(flush);
      for (const c of changes) pending.push(c);
    },
    onChanges(listener) {
      proc.on('message', (m: unknown) => {
        const msg = parseMessage(m);
        if (msg?.k2v === 'changes') listener(decodeChanges(msg));
      });
    },
    onPeerDied(listener) {
      proc.on('message', (m: unknown) => {
        if (parseMessage(m)?.k2v === 'peer-died') listener();
      });
    },
  };
}
