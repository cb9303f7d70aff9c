/**
 * The origins a browser shows for the web console, from the admin listener's bound address:
 * `<scheme>://<host>:<port>` for the address it is bound to, plus `localhost` for a loopback
 * one; for a wildcard bind (0.0.0.0, ::), every address of this machine's interfaces, its host
 * name and `localhost`. A page elsewhere (another port, another host) is not the console.
 */
import os from 'node:os';
import type { ConsoleOrigins } from '../http/console-cors.js';
import type { BoundAddress } from './running-server.js';

const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);

export function consoleOriginList(admin: BoundAddress, tls: boolean): string[] {
  if (admin.kind !== 'tcp') return [];
  const scheme = tls ? 'https' : 'http';
  const hosts = new Set<string>();
  const wildcard = admin.host === '0.0.0.0' || admin.host === '::';
  if (wildcard) {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) {
        if (admin.host === '0.0.0.0' && a.family !== 'IPv4') continue;
        hosts.add(bracket(a.address));
      }
    }
    hosts.add(os.hostname().toLowerCase());
    hosts.add('localhost');
  } else {
    hosts.add(bracket(admin.host));
    if (admin.host === '127.0.0.1' || admin.host === '::1') hosts.add('localhost');
  }
  return [...hosts].map((h) => `${scheme}://${h}:${admin.port}`);
}

/** A mutable set, filled once the admin listener is bound (its port may be chosen by the system). */
export class ConsoleOriginSet implements ConsoleOrigins {
  private origins: ReadonlySet<string> = new Set();

  set(list: readonly string[]): void {
    this.origins = new Set(list);
  }

  allows(origin: string): boolean {
    return this.origins.has(origin);
  }
}
