/**
 * Spawning the real CLI (`node bin/k2v.js …`) for end-to-end tests: free ports, start-up and exit
 * waits, captured output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { rawSend } from './harness.js';
import { sleep } from './support-http.js';

/** bin/k2v.js, from dist/test/e2e/ (compiled) back to the repository root. */
export const K2V_BIN = fileURLToPath(new URL('../../../bin/k2v.js', import.meta.url));

/**
 * A port that was free a moment ago, chosen below the kernel's ephemeral range: a port from that
 * range (what binding port 0 gives) can be taken, between this call and the server's start or
 * restart on it, by any process's outgoing connection (a PostgreSQL client's, a test client's) as
 * its local port, and the server then fails with "address already in use" (seen in CI). No port
 * is handed out twice by one test process.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralLow();
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW_PORT + Math.floor(Math.random() * (below - LOW_PORT));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  // Below the range everything was busy: a port of the range, as before.
  const held = await occupyPort();
  await held.close();
  return held.port;
}

/** The lowest port tried by freePort (above the well-known and most registered service ports). */
const LOW_PORT = 10_000;
const handedOut = new Set<number>();

/** The first port of Linux's ephemeral range (32768 by default; elsewhere the IANA 49152). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > LOW_PORT + 1_000) return low;
  } catch {
    // not Linux: fall through
  }
  return 49_152;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Holds a port busy until `close()`. */
export function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      resolve({ port, close: () => new Promise<void>((r) => srv.close(() => r())) });
    });
  });
}

export interface Cli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  exitCode(): number | string | undefined;
}

/** Runs `bin` (this repository's bin/k2v.js unless told; e.g. an installed copy) with `args`. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string, bin = K2V_BIN): Cli {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    ...(cwd === undefined ? {} : { cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let code: number | string | undefined;
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (c, signal) => {
      code = c ?? signal ?? 'unknown';
      resolve(code);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited, exitCode: () => code };
}

/** Waits for `GET /health` on the admin port to answer 200; fails early if the process exits. */
export async function waitHealthy(cli: Cli, adminPort: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (cli.exitCode() !== undefined) {
      throw new Error(`server exited (${cli.exitCode()}) before being healthy; stderr: ${cli.stderr()} stdout: ${cli.stdout()}`);
    }
    try {
      const res = await rawSend({
        host: '127.0.0.1',
        port: adminPort,
        method: 'GET',
        path: '/health',
        headers: { host: `127.0.0.1:${adminPort}` },
        body: undefined,
        timeoutMs: 2_000,
      });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not healthy within ${ms} ms; stderr: ${cli.stderr()}`);
    await sleep(100);
  }
}
