/**
 * Binding a listener to its address: TCP (`[::]` falls back to `0.0.0.0` on a machine without
 * IPv6), or a Unix socket (a stale socket file left by a crash is removed first; node removes the
 * socket when the listener closes). Failures are `StartupError`s of one line.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { BindAddress } from '../config/bind-address.js';
import type { BoundAddress } from './running-server.js';
import { StartupError } from './startup-error.js';

export async function listen(server: Server, bind: BindAddress, what: string, log: Logger, socketMode: number): Promise<BoundAddress> {
  if (bind.kind === 'unix') {
    await removeStaleSocket(bind.path, what);
    await bindOnce(server, bind, what);
    // Connecting to a Unix socket needs write permission on it (Garage: 0222 for its APIs, 0220
    // for the admin API).
    fs.chmodSync(bind.path, socketMode);
    return { kind: 'unix', path: bind.path };
  }
  try {
    await bindOnce(server, bind, what);
  } catch (err) {
    const code = err instanceof StartupError ? err.errno : undefined;
    if (bind.host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    log.warn({ api: what, port: bind.port }, `IPv6 is not available on this machine: the ${what} API listens on 0.0.0.0 (IPv4) instead of [::]`);
    await bindOnce(server, { kind: 'tcp', host: '0.0.0.0', port: bind.port }, what);
  }
  const a = server.address() as net.AddressInfo;
  return { kind: 'tcp', host: a.address, port: a.port };
}

export function formatBound(a: BoundAddress): string {
  if (a.kind === 'unix') return a.path;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function bindOnce(server: Server, bind: BindAddress, what: string): Promise<void> {
  const where = bind.kind === 'unix' ? bind.path : formatBound(bind);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason =
        err.code === 'EADDRINUSE'
          ? 'the address is already in use'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code === 'EADDRNOTAVAIL'
              ? 'the address is not available on this machine'
              : err.message;
      reject(new StartupError(`cannot listen for the ${what} API on ${where}: ${reason}`, err.code));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (bind.kind === 'unix') server.listen(bind.path);
    else server.listen(bind.port, bind.host);
  });
}

/**
 * A socket file nobody accepts on is what a killed server leaves behind: removed. One a live
 * process answers on is in use; any other kind of file is not ours to delete.
 */
async function removeStaleSocket(path: string, what: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new StartupError(`cannot listen for the ${what} API on ${path}: a file that is not a socket is in the way`);
  const live = await new Promise<boolean>((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live) throw new StartupError(`cannot listen for the ${what} API on ${path}: the address is already in use`);
  fs.unlinkSync(path);
}
