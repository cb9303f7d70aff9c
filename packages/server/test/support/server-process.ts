/**
 * The real server as a child process (`node bin/k2v.js server …`), for tests that must kill it
 * (crash safety), fill its disk, or measure its memory (soak): start, wait for health, read its
 * pino log lines, kill with any signal, and create a key and a bucket through the admin API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../e2e/support-process.js';

export { freePort };

/** bin/k2v.js, from dist/test/support/ (compiled) back to the repository root. */
export const K2V_BIN = fileURLToPath(new URL('../../../bin/k2v.js', import.meta.url));

export interface ServerProcessOptions {
  readonly dataDir: string;
  readonly k2vPort: number;
  readonly adminPort: number;
  readonly adminToken: string;
  /** More CLI flags, e.g. ['--map-size', '4']. */
  readonly extraArgs?: readonly string[];
  /** Default 'info': the tests read the start-up and error lines. */
  readonly logLevel?: string;
  /** The launcher to run; default this repository's bin/k2v.js (install.test: an installed one). */
  readonly bin?: string;
}

/** One pino JSON line of the server's stdout. */
export interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly raw: string;
}

/** pino's numeric levels. */
export const LOG_WARN = 40;
export const LOG_ERROR = 50;

export class ServerProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal name, once the process has exited. */
  readonly exited: Promise<number | string>;
  private out = '';
  private err = '';
  private code: number | string | undefined;
  private lastOutput = Date.now();

  constructor(readonly opts: ServerProcessOptions) {
    const args = [
      opts.bin ?? K2V_BIN,
      'server',
      '--data-dir',
      opts.dataDir,
      '--k2v-bind',
      `127.0.0.1:${opts.k2vPort}`,
      '--admin-bind',
      `127.0.0.1:${opts.adminPort}`,
      '--admin-token',
      opts.adminToken,
      '--log-level',
      opts.logLevel ?? 'info',
      ...(opts.extraArgs ?? []),
    ];
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (c: Buffer) => {
      this.out += c.toString('utf8');
      this.lastOutput = Date.now();
    });
    this.child.stderr?.on('data', (c: Buffer) => (this.err += c.toString('utf8')));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then stdout and stderr have been read to the end.
      this.child.on('close', (c, signal) => {
        this.code = c ?? signal ?? 'unknown';
        resolve(this.code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get k2vUrl(): string {
    return `http://127.0.0.1:${this.opts.k2vPort}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.opts.adminPort}`;
  }

  exitCode(): number | string | undefined {
    return this.code;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** stderr without the line every start prints for a person (run-server.ts: the console's address). */
  unexpectedStderr(): string {
    return this.err.replace(/^k2v: web console at .*\n/gm, '');
  }

  /** Every complete JSON log line so far (a line cut by a kill is skipped). */
  logs(): LogEntry[] {
    const entries: LogEntry[] = [];
    for (const raw of this.out.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== 'object' || parsed === null) continue;
        const r = parsed as { level?: unknown; msg?: unknown };
        entries.push({ level: typeof r.level === 'number' ? r.level : 0, msg: typeof r.msg === 'string' ? r.msg : '', raw });
      } catch {
        entries.push({ level: 0, msg: '', raw });
      }
    }
    return entries;
  }

  /** Log lines at `level` or above (warn by default). */
  problems(level = LOG_WARN): LogEntry[] {
    return this.logs().filter((e) => e.level >= level);
  }

  /** Waits for `GET /health` to answer 200; fails at once if the process exits. */
  async waitHealthy(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.code !== undefined) {
        throw new Error(`server exited (${this.code}) before being healthy; stderr: ${this.err} stdout: ${this.out}`);
      }
      const status = await healthStatus(this.opts.adminPort).catch(() => 0);
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`server not healthy within ${ms} ms; stderr: ${this.err}`);
      await sleep(25);
    }
  }

  /**
   * Waits until a log line with this message has arrived (the log is written asynchronously, so
   * a line can arrive after the server already answers requests).
   */
  async waitForLog(msg: string, ms = 5_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.logs().some((e) => e.msg === msg)) {
      if (Date.now() > deadline || this.code !== undefined) return false;
      await sleep(10);
    }
    return true;
  }

  /**
   * Waits until stdout has been quiet for `quietMs`: the log reaches us through a pipe, which can
   * lag behind the HTTP answers of the same server, so count lines only once it has settled.
   */
  async logsSettled(quietMs = 200): Promise<void> {
    while (this.code === undefined && Date.now() - this.lastOutput < quietMs) await sleep(quietMs / 4);
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    if (this.code === undefined) this.child.kill(signal);
    return this.exited;
  }

}

/** `GET /health` on the admin port: the status, or a rejection when nothing answers. */
export function healthStatus(adminPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: adminPort, path: '/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(2_000, () => req.destroy(new Error('health timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface Tenant {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Global alias of a bucket the key may read and write. */
  readonly bucket: string;
  readonly bucketId: string;
}

/** Creates a key and a bucket (global alias `bucket`) with read+write through the admin API. */
export async function createTenant(adminPort: number, adminToken: string, bucket: string): Promise<Tenant> {
  const key = await adminJson(adminPort, adminToken, 'POST', '/v1/key', { name: `${bucket}-key` });
  const created = await adminJson(adminPort, adminToken, 'POST', '/v1/bucket', { globalAlias: bucket });
  const accessKeyId = key['accessKeyId'];
  const secretAccessKey = key['secretAccessKey'];
  const bucketId = created['id'];
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof bucketId !== 'string') {
    throw new Error(`admin API: unexpected answers ${JSON.stringify({ key, created })}`);
  }
  await adminJson(adminPort, adminToken, 'POST', '/v1/bucket/allow', {
    bucketId,
    accessKeyId,
    permissions: { read: true, write: true, owner: false },
  });
  return { accessKeyId, secretAccessKey, bucket, bucketId };
}

function adminJson(port: number, token: string, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(data.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`admin ${method} ${path}: ${res.statusCode} ${text}`));
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch {
            reject(new Error(`admin ${method} ${path}: not JSON: ${text}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
