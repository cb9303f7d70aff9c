/**
 * A set for members that come and go quickly (one per request or poll) while the set itself lives
 * as long as the server.
 *
 * Why not a `Set`: V8 replaces a Set's (or Map's) hash table as members are added and removed, and
 * the replaced table keeps its members and a link to its successor (for iterators that were open
 * on it). Once the owner has reached the old generation, replaced tables get promoted too; a dead
 * table in the old generation is only freed by a full GC, and until then a young-generation GC
 * (scavenge) must treat what it points to as alive: the next table, its members, the table after
 * it... So everything that passed through such a set since the last full GC survives every
 * scavenge, is copied and promoted, with all it references (a poll's request, response, headers,
 * closures). In the wake-up benchmark that made each scavenge copy 2-2.5 MB, pauses of 5-10 ms
 * (docs/performance.md). A list whose removed nodes drop every link leaves no such path.
 */

/** A member's place in one ChurnSet, returned by `add` and given back to `delete`. */
export interface ChurnEntry<T> {
  readonly value: T | undefined;
}

interface Node<T> extends ChurnEntry<T> {
  value: T | undefined;
  prev: Node<T> | undefined;
  next: Node<T> | undefined;
  /** The set that holds this node; undefined once deleted. */
  owner: ChurnSet<T> | undefined;
}

export class ChurnSet<T> {
  private head: Node<T> | undefined;
  private tail: Node<T> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `value` (the same value added twice is two members) and returns its entry. */
  add(value: T): ChurnEntry<T> {
    const node: Node<T> = { value, prev: this.tail, next: undefined, owner: this };
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.count++;
    return node;
  }

  /** Removes the entry; false if it was already removed or belongs to another set. */
  delete(entry: ChurnEntry<T>): boolean {
    const node = entry as Node<T>;
    if (node.owner !== this) return false;
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    // No link may outlive the membership (see above): a removed node points at nothing.
    node.prev = undefined;
    node.next = undefined;
    node.owner = undefined;
    node.value = undefined;
    this.count--;
    return true;
  }

  /** The members, in the order they were added (a copy: the set may change while it is used). */
  values(): T[] {
    const out: T[] = [];
    for (let n: Node<T> | undefined = this.head; n !== undefined; n = n.next) out.push(n.value as T);
    return out;
  }

  /**
   * Calls `fn` on each member in the order they were added. A member removed by an earlier call
   * is skipped; one added during the walk is not visited (as a Set's iterator would, except that).
   */
  forEach(fn: (value: T) => void): void {
    if (this.head === undefined) return;
    if (this.head === this.tail) {
      // The common case (one poll on a partition) without a copy.
      fn(this.head.value as T);
      return;
    }
    const nodes: Node<T>[] = [];
    for (let n: Node<T> | undefined = this.head; n !== undefined; n = n.next) nodes.push(n);
    for (const n of nodes) {
      if (n.owner === this) fn(n.value as T);
    }
  }
}
