/**
 * The real CLI server in a child process whose file descriptor limit is lowered with
 * `ulimit -n`, to see what happens when accepting connections runs out of descriptors.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, K2V_BIN } from '../e2e/support-process.js';
import { exchange } from './raw-http.js';

export interface LimitedServer {
  readonly k2vPort: number;
  readonly adminPort: number;
  /** The exit code or signal, once exited. */
  exited(): number | string | undefined;
  stderr(): string;
  /** Status of GET /health on the admin port. */
  health(): Promise<number | undefined>;
  /** SIGKILL, wait for the exit, remove the data dir. */
  stop(): Promise<void>;
}

/** Starts `k2v server` under `ulimit -n <fds>` and waits until it is healthy. */
export async function spawnLimitedServer(fds: number): Promise<LimitedServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-fd-'));
  const [k2vPort, adminPort] = [await freePort(), await freePort()];
  const command =
    `ulimit -n ${fds} && exec "${process.execPath}" "${K2V_BIN}" server --data-dir "${dataDir}" ` +
    `--k2v-bind 127.0.0.1:${k2vPort} --admin-bind 127.0.0.1:${adminPort} --admin-token t --log-level warn`;
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
  let exitedWith: number | string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      resolve();
    }),
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const health = async () => {
    const ex = await exchange({ host: '127.0.0.1', port: adminPort }, { method: 'GET', target: '/health', headers: [['host', 'x'], ['connection', 'close']] }, 5_000);
    return ex.responses[0]?.status;
  };
  const stop = async () => {
    if (exitedWith === undefined) child.kill('SIGKILL');
    await exit;
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while ((await health().catch(() => undefined)) !== 200) {
    if (exitedWith !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`server under ulimit -n ${fds} did not start (${exitedWith ?? 'timeout'}): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { k2vPort, adminPort, exited: () => exitedWith, stderr: () => stderr, health, stop };
}
