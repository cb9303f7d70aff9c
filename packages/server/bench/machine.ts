/**
 * The machine the figures were measured on: they only mean something next to it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly loadGenerator: string;
  readonly etcd: string;
}

export function versionOf(cmd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]?.trim();
  } catch (err) {
    // wrk prints its version on stderr and exits 1 when given no URL.
    const e = err as { stdout?: string; stderr?: string; code?: string };
    if (e.code === 'ENOENT') return undefined;
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n')[0]?.trim();
    return text === '' ? undefined : text;
  }
}

export function machineInfo(loadGenerator: string, etcd: string): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m !== null) cpuModel = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadGenerator,
    etcd,
  };
}
