/**
 * The IPC messages between the orchestrator and the K2V child (k2v-child.ts).
 */
import type { ItemName, PreloadSpec } from '../dataset.js';

export type ChildRequest =
  | { readonly op: 'preload'; readonly bucketId: string; readonly spec: PreloadSpec }
  | { readonly op: 'tokens'; readonly bucketId: string; readonly items: readonly ItemName[] }
  | { readonly op: 'stats' }
  | { readonly op: 'gc' }
  | { readonly op: 'recordCommits'; readonly bucketId: string; readonly pk: string }
  | { readonly op: 'commitTimes' }
  | { readonly op: 'stopRecording' }
  | { readonly op: 'profileStart'; readonly intervalUs: number }
  | { readonly op: 'profileStop'; readonly file: string };

export type ChildReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface ChildStats {
  readonly waiters: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Committed write transactions since the server started (group commit: far fewer than writes). */
  readonly commits: number;
  /**
   * process.hrtime.bigint() (ns, as a string) at the server's performance.now() == 0, the clock of
   * its --trace-gc lines (ms since the isolate started, within a few ms): commit instants minus
   * this are the same clock as its GC trace.
   */
  readonly hrtimeAtStart: string;
}
