/**
 * Starting and stopping the measured servers as child processes, each waited for until it says
 * it is ready, and always killed (by pid) when the benchmark ends or fails.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const children = new Set<ChildProcess>();

/** Kills every child still running (on exit, on failure). */
export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Spawns a process and resolves with the first stdout line matching `ready`. */
export function spawnUntil(
  cmd: string,
  args: string[],
  ready: RegExp,
  opts: SpawnOptions = {},
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
    let settled = false;
    let out = '';
    let err = '';
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`${cmd} did not become ready in ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    child.stdout?.on('data', (c: Buffer) => {
      if (settled) return;
      out += c.toString();
      const m = ready.exec(out);
      if (m === null) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, match: m });
    });
    child.stderr?.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-20_000);
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`${cmd} exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
