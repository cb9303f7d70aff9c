/**
 * The server's logger: JSON lines on stdout (pino), or, with `--log-format pretty`, pino-pretty's
 * coloured lines for a terminal (loaded only then: it is not needed to start in JSON).
 */
import { pino, type Logger } from 'pino';
import type { LogFormat } from '../config/config.js';

export async function createLogger(level: string, format: LogFormat): Promise<Logger> {
  if (format === 'json') return pino({ level });
  const { default: pretty } = await import('pino-pretty');
  // Synchronous, so that the lines before a process.exit() are not lost.
  return pino({ level }, pretty({ destination: 1, sync: true, colorize: process.stdout.isTTY === true }));
}
