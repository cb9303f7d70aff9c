/**
 * Exclusive ownership of a data directory by one process (and one store within it).
 *
 * LMDB itself lets several processes share an environment, but this store keeps state in memory
 * (the node clock `last`, subscriptions, metadata) that only works with a single owner, so a
 * second server on the same directory must fail at start-up.
 *
 * Node has no flock()/fcntl() lock, so this is a pid file, as PostgreSQL's postmaster.pid:
 * created with O_CREAT|O_EXCL (atomic: exactly one creator wins), holding the owner's pid and,
 * on Linux, its start time from /proc/<pid>/stat. A SIGKILLed owner cannot remove its file, so an
 * existing file is stale when its pid is not alive, or when that pid now belongs to a process
 * that started at another time (pid reuse); a stale file is removed and creation retried.
 * Several worker processes (`k2v server --workers N`): the primary holds `k2v.pid` (so a second
 * server on the directory is still refused), and each worker holds the lock file of its worker
 * slot (`k2v.worker-<slot>.pid`, same rules): a slot's node clock is advanced by one live process.
 * Residual race, as PostgreSQL's: two processes that find the same stale file at the same instant
 * may both remove it and then both succeed; starting two servers on one dir at the same moment
 * after a crash is not a supported operation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';

export const LOCK_FILE_NAME = 'k2v.pid';

/** The lock file of a worker slot (see above). */
export function workerLockName(slot: number): string {
  return `k2v.worker-${slot}.pid`;
}

/** Lock files held by this process (by real path): a same-process second open must fail too. */
const heldHere = new Set<string>();

export interface DirLock {
  readonly path: string;
  /** Removes the pid file (if it is still ours); idempotent. */
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly startTime: string | undefined;
}

export function acquireDirLock(dir: string, name = LOCK_FILE_NAME): DirLock {
  const realDir = fs.realpathSync(dir);
  const lockPath = path.join(realDir, name);
  if (heldHere.has(lockPath)) throw inUse(dir, process.pid);
  const content = `${process.pid}\n${processStartTime(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(lockPath, 'wx', 0o644);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const holder = readHolder(lockPath);
      if (holder === 'missing') continue;
      if (holder === 'unreadable') {
        // Either a creator between open() and write(), or a file truncated by a crash: give a
        // creator time to finish, then treat it as stale.
        if (attempt < 10) {
          sleepMs(20);
          continue;
        }
      } else if (isAlive(holder)) {
        throw inUse(dir, holder.pid);
      }
      removeStale(lockPath);
      continue;
    }
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    heldHere.add(lockPath);
    return makeLock(lockPath, content);
  }
  throw new StoreError('Unavailable', `could not take the lock file ${lockPath}`);
}

function makeLock(lockPath: string, content: string): DirLock {
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(lockPath);
      try {
        if (fs.readFileSync(lockPath, 'utf8') === content) fs.unlinkSync(lockPath);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}

function inUse(dir: string, pid: number): StoreError {
  return new StoreError('Unavailable', `data dir ${dir} is in use by pid ${pid}`);
}

function readHolder(lockPath: string): Holder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 'missing';
    throw err;
  }
  const [pidText, startText] = text.split('\n');
  const pid = Number(pidText);
  if (!/^[1-9][0-9]*$/.test(pidText ?? '') || !Number.isSafeInteger(pid)) return 'unreadable';
  return { pid, startTime: startText === undefined || startText === '' ? undefined : startText };
}

function isAlive(holder: Holder): boolean {
  if (holder.pid === process.pid) {
    // Our own pid but not held by this process (checked by the caller): a previous owner with the
    // same pid, e.g. after a container restart.
    return false;
  }
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if (isErrno(err, 'ESRCH')) return false;
    // EPERM: the process exists but belongs to another user.
  }
  if (holder.startTime === undefined) return true;
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.startTime;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), Linux only. */
function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function removeStale(lockPath: string): void {
  try {
    fs.unlinkSync(lockPath);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
