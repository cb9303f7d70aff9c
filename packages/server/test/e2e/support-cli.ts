/**
 * Running the real `k2v` binary as a client: one process per call, stdout kept as bytes (raw
 * reads), optional stdin, the environment a user would export for it.
 */
import { spawn } from 'node:child_process';
import type { TestServer } from './harness.js';
import { K2V_BIN } from './support-process.js';

export interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  text(): string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Default 30 s: a run that takes longer fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** Only what the tests give: no K2V_* or AWS_* from the environment of the test runner. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(K2V_|AWS_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export function runK2v(args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  return runProcess(process.execPath, [K2V_BIN, ...args], opts);
}

export function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: cleanEnv(opts.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`k2v ${args.join(' ')}: still running after ${opts.timeoutMs ?? 30_000} ms; stderr: ${err}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, stderr: err, text: () => stdout.toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The environment k2v-cli's users export: endpoint, region, key, secret, bucket. */
export function clientEnv(ts: TestServer): NodeJS.ProcessEnv {
  return {
    K2V_ENDPOINT: ts.k2vUrl,
    AWS_REGION: ts.config.region,
    AWS_ACCESS_KEY_ID: ts.keyId,
    AWS_SECRET_ACCESS_KEY: ts.secret,
    K2V_BUCKET: ts.bucket,
  };
}

/** The environment of `k2v key` / `k2v bucket`. */
export function adminEnv(ts: TestServer): NodeJS.ProcessEnv {
  return { K2V_ADMIN_ENDPOINT: ts.adminUrl, K2V_ADMIN_TOKEN: ts.adminToken };
}
