/**
 * Reading a token from a file, as Garage does: refused when group or others may read it (unless
 * allowed), trailing whitespace (the newline of `echo … > file`) dropped.
 */
import fs from 'node:fs';
import { ConfigError, ioReason } from './config-error.js';

/** `name` is how the operator set the file (`--admin-token-file`, `[admin] admin_token_file`, …). */
export function readSecretFile(file: string, name: string, allowWorldReadable: boolean): string {
  let text: string;
  try {
    const mode = fs.statSync(file).mode;
    if (!allowWorldReadable && (mode & 0o077) !== 0) {
      throw new ConfigError(
        `${name}: ${file} can be read by group or others (mode 0${(mode & 0o777).toString(8)}): chmod 600 it, or set allow_world_readable_secrets = true`,
      );
    }
    text = fs.readFileSync(file, 'utf8').trimEnd();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${name}: cannot read ${file}: ${ioReason(err)}`);
  }
  if (text === '') throw new ConfigError(`${name}: ${file} is empty`);
  return text;
}
