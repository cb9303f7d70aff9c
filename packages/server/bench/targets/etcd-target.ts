/**
 * The peer: a single etcd member (Debian `etcd-server`), the store a user would otherwise pick
 * for small values with watches, driven through its HTTP/JSON gateway (/v3/kv/range, /v3/kv/put,
 * /v3/kv/txn, /v3/watch) on loopback, on a fresh data dir on the same disk as the K2V server's.
 * etcd's defaults are kept (every commit fsync'ed before the answer), except the limits a bulk
 * preload needs (ops per txn, request size, backend quota).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ITEMS_PER_PARTITION, gridItem, gridPk, valueOf, type ItemName } from '../dataset.js';
import { rawRequest, type Target } from '../sign.js';
import { stopChild, track } from './child-process.js';
import { httpRequest } from './http-json.js';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** The etcd key of a K2V item: `pk/sk`, so one partition is one key prefix. */
export const etcdKey = (it: ItemName): string => `${it.pk}/${it.sk}`;

export class EtcdTarget {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly target: Target,
    readonly version: string,
  ) {}

  static async start(dataDir: string): Promise<EtcdTarget> {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = track(
      spawn(
        'etcd',
        [
          '--name=bench',
          `--data-dir=${dataDir}`,
          `--listen-client-urls=${client}`,
          `--advertise-client-urls=${client}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=bench=${peer}`,
          '--max-txn-ops=10000',
          `--max-request-bytes=${32 * 2 ** 20}`,
          `--quota-backend-bytes=${8 * 2 ** 30}`,
          '--logger=zap',
          '--log-level=error',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const target = { host: '127.0.0.1', port: clientPort };
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}): ${stderr}`);
      const ok = await httpRequest(target, 'GET', '/health').then(
        (r) => r.status === 200 && r.body.includes('true'),
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`etcd did not become healthy: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const v = await httpRequest(target, 'GET', '/version');
    const version = (JSON.parse(v.body) as { etcdserver?: string }).etcdserver ?? 'unknown';
    return new EtcdTarget(child, child.pid ?? 0, target, version);
  }

  /** Loads grid items [from, to) with txns of 1000 puts, 4 in flight. */
  async preload(from: number, to: number): Promise<number> {
    const t0 = Date.now();
    const TXN = 1000;
    const inFlight = new Set<Promise<void>>();
    for (let start = from; start < to; start += TXN) {
      const ops = [];
      for (let i = start; i < Math.min(to, start + TXN); i++) {
        ops.push({ requestPut: { key: b64(etcdKey(gridItem(i))), value: b64(valueOf(i)) } });
      }
      const p = httpRequest(this.target, 'POST', '/v3/kv/txn', JSON.stringify({ success: ops })).then((r) => {
        if (r.status !== 200) throw new Error(`etcd preload txn: ${r.status} ${r.body.slice(0, 300)}`);
      });
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= 4) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return (Date.now() - t0) / 1000;
  }

  private post(path: string, body: unknown): Buffer {
    return rawRequest(this.target, { method: 'POST', path, body: JSON.stringify(body) }, { 'Content-Type': 'application/json' });
  }

  range(it: ItemName): Buffer {
    return this.post('/v3/kv/range', { key: b64(etcdKey(it)) });
  }

  put(it: ItemName, value: Buffer): Buffer {
    return this.post('/v3/kv/put', { key: b64(etcdKey(it)), value: b64(value) });
  }

  txnPut(items: readonly { it: ItemName; value: Buffer }[]): Buffer {
    return this.post('/v3/kv/txn', { success: items.map(({ it, value }) => ({ requestPut: { key: b64(etcdKey(it)), value: b64(value) } })) });
  }

  /** Every key of one grid partition (ITEMS_PER_PARTITION keys): the ReadBatch equivalent. */
  rangePartition(partition: number): Buffer {
    const prefix = `${gridPk(partition)}/`;
    return this.post('/v3/kv/range', { key: b64(prefix), range_end: b64(`${gridPk(partition)}0`), limit: ITEMS_PER_PARTITION });
  }

  stop(): Promise<void> {
    return stopChild(this.child, 15_000);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
