/**
 * Throwaway PostgreSQL clusters for tests (architecture "Testing strategy"): `initdb` in a
 * temporary directory, a free port on 127.0.0.1, `fsync` and `synchronous_commit` on, started with
 * `pg_ctl` and removed after. Never a system cluster: the binaries come from Debian's
 * /usr/lib/postgresql/<major>/bin (the newest installed), never from PATH, and the cluster's
 * socket lives in its own directory.
 *
 * initdb refuses to run as root, so as root the cluster is owned and run by the `postgres` OS user
 * (`runuser`), the temporary directory chowned to it. If PostgreSQL cannot be started, the caller's
 * test fails: this module throws, it never skips.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../e2e/support-process.js';

const run = promisify(execFile);

/** The superuser of every test cluster (no password: trust on 127.0.0.1 and the private socket). */
const SUPERUSER = 'k2v';

export interface PgCluster {
  readonly port: number;
  readonly dataDir: string;
  /** A connection URL for `database` (default `postgres`). */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** `pg_ctl stop`: 'fast' (clean) or 'immediate' (as a crash: no checkpoint, recovery at start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl promote` (a standby becomes a primary), waiting until it accepts writes. */
  promote(): Promise<void>;
  /** Stops the cluster (immediately) and removes its directory. */
  destroy(): Promise<void>;
  /** The server log so far (for failure messages). */
  log(): Promise<string>;
}

/** Creates an empty database `name` through the superuser URL `adminUrl`; returns its URL. */
export async function createDatabaseAt(adminUrl: string, name: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await sql.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Debian's layout: /usr/lib/postgresql/<major>/bin, the newest major with an initdb. */
export function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(path.join(root, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(`no PostgreSQL under ${root}/<major>/bin (install Debian's postgresql package; .ci/run does)`);
  }
  return path.join(root, majors[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root. */
async function pgRun(bin: string, args: string[]): Promise<string> {
  const file = path.join(pgBinDir(), bin);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function ownedByPostgres(dir: string): Promise<void> {
  if (!asRoot) return;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
}

/** Extra `postgresql.conf` lines, e.g. for a primary with a standby. */
export interface PgClusterOptions {
  readonly conf?: readonly string[];
}

interface ClusterDirs {
  readonly root: string;
  readonly dataDir: string;
  readonly sockDir: string;
  readonly logFile: string;
  readonly port: number;
}

async function newDirs(): Promise<ClusterDirs> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'k2v-pg-'));
  await ownedByPostgres(root);
  const sockDir = path.join(root, 'sock');
  await mkdir(sockDir);
  await ownedByPostgres(sockDir);
  return { root, dataDir: path.join(root, 'data'), sockDir, logFile: path.join(root, 'server.log'), port: await freePort() };
}

function baseConf(d: ClusterDirs): string[] {
  return [
    `port = ${d.port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${d.sockDir}'`,
    'fsync = on',
    'synchronous_commit = on',
    'max_connections = 200',
    'shared_buffers = 32MB',
  ];
}

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const d = await newDirs();
  try {
    // --no-sync only skips initdb's own final flush of the template files; the server runs with fsync.
    await pgRun('initdb', ['-D', d.dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await writeFile(path.join(d.dataDir, 'postgresql.auto.conf'), [...baseConf(d), ...(opts.conf ?? [])].join('\n') + '\n', { flag: 'a' });
  } catch (err) {
    await rm(d.root, { recursive: true, force: true });
    throw err;
  }
  return startCluster(d);
}

/**
 * A streaming-replication standby of `primary` (`pg_basebackup -R -c fast`: it follows the primary with
 * `primary_conninfo` naming it `name`, which the primary's `synchronous_standby_names` can list).
 */
export async function startStandby(primary: PgCluster, name = 'standby1'): Promise<PgCluster> {
  const d = await newDirs();
  try {
    await pgRun('pg_basebackup', ['-D', d.dataDir, '-R', '-X', 'stream', '-c', 'fast', '-h', '127.0.0.1', '-p', String(primary.port), '-U', SUPERUSER]);
    const conninfo = `host=127.0.0.1 port=${primary.port} user=${SUPERUSER} application_name=${name}`;
    // Appended after the primary's lines that pg_basebackup copied, so these win.
    await writeFile(path.join(d.dataDir, 'postgresql.auto.conf'), [...baseConf(d), `primary_conninfo = '${conninfo}'`].join('\n') + '\n', { flag: 'a' });
  } catch (err) {
    await rm(d.root, { recursive: true, force: true });
    throw err;
  }
  return startCluster(d);
}

async function startCluster(d: ClusterDirs): Promise<PgCluster> {
  const { root, dataDir, logFile, port } = d;
  let dbCount = 0;
  const url = (database = 'postgres'): string => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const cluster: PgCluster = {
    port,
    dataDir,
    url,
    createDatabase: (name = `k2v_${process.pid}_${++dbCount}`) => createDatabaseAt(url(), name),
    async start() {
      await pgRun('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
    },
    async promote() {
      await pgRun('pg_ctl', ['-D', dataDir, '-w', '-t', '60', 'promote']);
    },
    async stop(mode = 'fast') {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async destroy() {
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
        await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      }
      await rm(root, { recursive: true, force: true });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
  try {
    await cluster.start();
  } catch (err) {
    const log = await cluster.log();
    await cluster.destroy();
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
  }
  return cluster;
}
