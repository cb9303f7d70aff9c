/**
 * The fallback load generator when `wrk` is not installed: run as its own process (so it never
 * shares the measured server's CPU budget with the orchestrator), it replays a request file over
 * N keep-alive sockets, one request in flight per socket, like wrk, and prints one JSON line.
 *
 * Usage: node node-loader.js <host> <port> <file> <connections> <durationMs> <offset>
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseRequestFile } from './request-file.js';
import { ResponseParser } from './response-parser.js';

export interface LoaderOutput {
  readonly requests: number;
  readonly durationUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly errorsStatus: number;
  readonly errorsSocket: number;
  readonly wraps: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function main(): void {
  const [host, portText, file, connText, durationText, offsetText] = process.argv.slice(2);
  if (host === undefined || file === undefined) throw new Error('usage: node-loader host port file connections durationMs offset');
  const reqs = parseRequestFile(readFileSync(file));
  const connections = Number(connText);
  const durationMs = Number(durationText);
  let next = Number(offsetText ?? 0) % reqs.length;
  let wraps = 0;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let errorsStatus = 0;
  let errorsSocket = 0;
  let open = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(durationMs) * 1_000_000n;
  let stopped = false;

  const record = (us: number) => {
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = us;
  };

  const finish = () => {
    if (stopped) return;
    stopped = true;
    const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
    const sorted = latencies.subarray(0, count).sort();
    const out: LoaderOutput = {
      requests: count,
      durationUs: Math.round(elapsedUs),
      p50Us: Math.round(percentile(sorted, 50)),
      p99Us: Math.round(percentile(sorted, 99)),
      maxUs: Math.round(sorted[count - 1] ?? 0),
      errorsStatus,
      errorsSocket,
      wraps,
    };
    process.stdout.write(`BENCH_JSON ${JSON.stringify(out)}\n`);
    process.exit(0);
  };

  for (let c = 0; c < connections; c++) {
    const socket = net.connect({ host, port: Number(portText), noDelay: true });
    open++;
    let sentAt = 0n;
    const send = () => {
      if (process.hrtime.bigint() >= deadline) {
        socket.destroy();
        return;
      }
      const r = reqs[next]!;
      next++;
      if (next === reqs.length) {
        next = 0;
        wraps++;
      }
      sentAt = process.hrtime.bigint();
      socket.write(r);
    };
    const parser = new ResponseParser((res) => {
      record(Number(process.hrtime.bigint() - sentAt) / 1000);
      if (res.status >= 400) errorsStatus++;
      send();
    }, false);
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.on('error', () => {
      errorsSocket++;
    });
    socket.on('close', () => {
      open--;
      if (open === 0) finish();
    });
  }
  // A server that stops answering must not hang the benchmark.
  setTimeout(finish, durationMs + 15_000).unref();
}

main();
