/** A start-up failure the CLI reports as one clear line (exit 1). */
export class StartupError extends Error {
  override name = 'StartupError';
  /** The system error code behind it, when there is one (EADDRINUSE, …). */
  readonly errno: string | undefined;
  constructor(message: string, errno?: string) {
    super(message);
    this.errno = errno;
  }
}
