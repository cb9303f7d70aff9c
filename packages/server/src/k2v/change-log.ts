/**
 * Recent changes of one partition, numbered in the order they were delivered, and the PollRange
 * answers given from it: what lets a re-issued PollRange read only the items changed since its
 * marker was answered instead of its whole range (docs/performance.md "PollRange re-issued").
 *
 * Why it is sound: a poll takes `position` when it subscribes; every change committed after that
 * is delivered later, so it is recorded with a greater number (or a `resync` says changes were
 * missed). The poll's answer comes from a snapshot taken after it subscribed, and its marker
 * covers every item state of that snapshot in the range (seen-marker.ts). So an item new to that
 * exact marker must have changed after the snapshot, and is among the changes numbered after
 * `position`. Markers are remembered by their exact text: a marker from elsewhere (another
 * process, an older answer forgotten here, a hand-made one) is not found, and its poll reads its
 * whole range as before.
 */

export class ChangeLog {
  /** Number of the last change recorded (or of the last resync). */
  private seq = 0;
  /** Every change numbered above `floor` is recorded; those at or below it may be missing. */
  private floor = 0;
  private nums: number[] = [];
  private sks: string[] = [];
  /** Marker key -> the position of the poll that answered it; oldest first (Map order). */
  private readonly marks = new Map<string, number>();

  /** Characters of the sort keys kept. */
  private keyChars = 0;

  constructor(
    /**
     * Changes kept, and characters of their sort keys: past either, the older half of the changes
     * is forgotten (polls answered before them read their range again).
     */
    private readonly maxChanges: number,
    private readonly maxKeyChars: number,
    /** Answers remembered; past it the oldest is forgotten. */
    private readonly maxMarks: number,
  ) {}

  /** Take this when a poll subscribes: every change delivered after it is numbered above it. */
  get position(): number {
    return this.seq;
  }

  /** Changes recorded and kept now (memory bound, tests). */
  get size(): number {
    return this.nums.length;
  }

  record(sk: string): void {
    this.seq++;
    this.nums.push(this.seq);
    this.sks.push(sk);
    this.keyChars += sk.length;
    if (this.nums.length > this.maxChanges || this.keyChars > this.maxKeyChars) {
      const drop = Math.max(1, this.nums.length - Math.floor(this.nums.length / 2));
      this.floor = this.nums[drop - 1]!;
      for (let i = 0; i < drop; i++) this.keyChars -= this.sks[i]!.length;
      this.nums = this.nums.slice(drop);
      this.sks = this.sks.slice(drop);
    }
  }

  /** Changes may have been missed (a lost notification connection): nothing before now is known. */
  resync(): void {
    this.seq++;
    this.floor = this.seq;
    this.nums = [];
    this.sks = [];
    this.keyChars = 0;
  }

  /**
   * An answer with marker key `key` was given by a poll that subscribed at `position`. Any answer
   * of the same marker text will do (each snapshot's states are covered by it): the latest one
   * lists the fewest changes.
   */
  remember(key: string, position: number): void {
    if (position < this.floor) return;
    const known = this.marks.get(key);
    this.marks.delete(key);
    this.marks.set(key, known !== undefined && known >= this.floor && known > position ? known : position);
    if (this.marks.size > this.maxMarks) this.marks.delete(this.marks.keys().next().value!);
  }

  /**
   * The sort keys changed since the answer with marker key `key` (each once, in the order first
   * changed), or undefined when that is not known here: never answered, or forgotten since.
   */
  changedSince(key: string): string[] | undefined {
    const p = this.marks.get(key);
    if (p === undefined || p < this.floor) return undefined;
    let i = this.nums.length;
    while (i > 0 && this.nums[i - 1]! > p) i--;
    return [...new Set(this.sks.slice(i))];
  }
}
