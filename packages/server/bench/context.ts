/**
 * What every workload of one benchmark run shares.
 */
import path from 'node:path';
import type { Options } from './options.js';
import type { DriveOptions } from './workloads/drive.js';

export interface BenchContext {
  readonly opts: Options;
  readonly drive: DriveOptions;
  /** Temporary directory for request files. */
  readonly filesDir: string;
  log(msg: string): void;
}

let fileCounter = 0;

export function requestFilePath(ctx: BenchContext, name: string): string {
  fileCounter++;
  return path.join(ctx.filesDir, `${String(fileCounter).padStart(3, '0')}-${name}.req`);
}
