/**
 * A configuration that cannot be used: the CLI prints `message` as one line and exits 1.
 * The message names the setting the way the operator wrote it (a TOML key with its file, a flag,
 * or an environment variable) and says why.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Thrown by a value type's parser: the reason only; the loader adds where the value came from. */
export class BadValue extends Error {
  override name = 'BadValue';
}

/** Why a file could not be read, in words. */
export function ioReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
