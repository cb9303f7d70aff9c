/**
 * How much of what a piece of code allocated and let go survived young-generation GCs anyway:
 * the growth of V8's old space while a round runs `rounds` times with a scavenge (minor GC) every
 * few rounds and none of the full GCs that would free promoted garbage. Something that keeps dead
 * objects reachable for the scavenger only (a dead old object pointing at young ones, such as the
 * hash tables a long-lived Set leaves behind as it changes) shows up here and in no heap snapshot.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type: 'minor' | 'major' }) => void;

function gcFunction(): Gc {
  const exposed = (globalThis as { gc?: Gc }).gc;
  if (exposed !== undefined) return exposed;
  // Without --expose-gc on the command line: expose it now, in a fresh context.
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as Gc;
}

function oldSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

/**
 * Old-space growth in bytes over `rounds` calls of a round made by `setup` (which builds the
 * long-lived structure under test), the largest of three tries with fresh structures: whether a
 * Set's dead tables get a foothold in the old space varies from one try to the next (the first
 * try of a process often shows little), and a full GC that V8 starts by itself during a try can
 * hide its growth.
 */
export function promotedWhile(rounds: number, setup: () => (i: number) => void): number {
  let most = -Infinity;
  for (let t = 0; t < 3; t++) most = Math.max(most, promotedOnce(rounds, setup()));
  return most;
}

function promotedOnce(rounds: number, round: (i: number) => void): number {
  const gc = gcFunction();
  // What exists before (the set under test included) is promoted first, as in a running server:
  // by scavenges, not by a full GC, whose lazy sweeping would go on shrinking the old space
  // during the measurement.
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const before = oldSpaceUsed();
  for (let i = 0; i < rounds; i++) {
    round(i);
    if (i % 50 === 49) gc({ type: 'minor' });
  }
  // Twice: an object that survived one scavenge is only promoted by the next.
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return oldSpaceUsed() - before;
}

/**
 * How many short-lived members are present at once in round `i`: varying, as polls come and go,
 * so that a hash table is replaced while different numbers of them are in it (with a fixed
 * number, whether V8's Set retains them depends on where its table sizes happen to fall).
 */
export function membersInRound(i: number): number {
  return 1 + ((i * 7) % 23);
}

/** About 1 KB that a test's short-lived member holds, to make its survival measurable. */
export function payload(i: number): number[] {
  return new Array<number>(128).fill(i);
}
