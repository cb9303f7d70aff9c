import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { acquireDirLock, LOCK_FILE_NAME } from '../../../src/store/lmdb/dir-lock.js';
import { openLmdbStore } from '../../../src/store/lmdb/open-lmdb-store.js';
import { texts } from '../store-case-support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const openModule = path.resolve(here, '../../../src/store/lmdb/open-lmdb-store.js');

function inUseBy(pid: number): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'Unavailable');
    assert.match(err.message, new RegExp(`is in use by pid ${pid}$`));
    return true;
  };
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('data dir lock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-lock-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const lockFile = (): string => path.join(dir, LOCK_FILE_NAME);

  /** Takes the lock, checks that the lock file now names this process, releases it. */
  function acquireAndCheckOwner(): void {
    const lock = acquireDirLock(dir);
    try {
      assert.equal(fs.readFileSync(lockFile(), 'utf8').split('\n')[0], String(process.pid));
    } finally {
      lock.release();
    }
  }

  it('is exclusive within one process and released by release()', () => {
    const lock = acquireDirLock(dir);
    assert.throws(() => acquireDirLock(dir), inUseBy(process.pid));
    assert.equal(fs.readFileSync(lockFile(), 'utf8').split('\n')[0], String(process.pid));
    lock.release();
    lock.release();
    assert.equal(fs.existsSync(lockFile()), false);
    acquireDirLock(dir).release();
  });

  it('takes over the file of a dead process', async () => {
    fs.writeFileSync(lockFile(), `${await deadPid()}\n\n`);
    acquireAndCheckOwner();
  });

  it('takes over the file of our own pid left by an earlier owner', () => {
    fs.writeFileSync(lockFile(), `${process.pid}\n\n`);
    acquireAndCheckOwner();
  });

  it('refuses a live owner, but not a reused pid (different start time)', (t) => {
    const ppid = process.ppid;
    const start = startTimeOf(ppid);
    if (start === undefined) return t.skip('no /proc');
    fs.writeFileSync(lockFile(), `${ppid}\n${start}\n`);
    assert.throws(() => acquireDirLock(dir), inUseBy(ppid));
    fs.writeFileSync(lockFile(), `${ppid}\n${start}0\n`);
    acquireDirLock(dir).release();
  });

  it('treats an empty file that stays empty as stale', () => {
    fs.writeFileSync(lockFile(), '');
    acquireAndCheckOwner();
  });

  it('refuses a store open while another process holds the dir, and recovers after it is SIGKILLed', async () => {
    const dataDir = path.join(dir, 'shared');
    const script = `
      const { openLmdbStore } = await import(${JSON.stringify(openModule)});
      const store = await openLmdbStore({ dataDir: ${JSON.stringify(dataDir)}, mapSizeBytes: 1 << 30,
        tombstoneGcDelayMs: 86400000, maxValuesPerItem: 100 });
      await store.write('${'c'.repeat(64)}', [{ pk: 'p', sk: 's', ct: undefined, value: new TextEncoder().encode('from child') }]);
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
      const opts = { dataDir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100 };
      await assert.rejects(openLmdbStore(opts), inUseBy(child.pid!));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const store = await openLmdbStore(opts);
      try {
        assert.deepEqual(texts(await store.getItem('c'.repeat(64), 'p', 's')), ['from child']);
      } finally {
        await store.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
