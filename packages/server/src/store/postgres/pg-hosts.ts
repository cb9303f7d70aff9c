/**
 * The host a server's connections go to, for a multi-host `postgres_url`
 * (postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write).
 *
 * postgres.js 3.4.9 is not trusted with the choice: it takes a hot standby for "read-write" (it
 * checks only `default_transaction_read_only`, which a standby in recovery reports `off`: the
 * notification connection was seen LISTENing on the standby before the promotion in
 * test/e2e/pg-failover.test.ts), and each connection of a pool moves on to the next host at every
 * reconnect, so a pool of a healthy primary drifts onto a standby (writes refused, reads that may
 * not yet show an acknowledged write). So the store probes the hosts itself, in the URL's order,
 * and picks the first that answers `pg_is_in_recovery() = false`; every connection (pool, lease,
 * node lock, notifications) is made to that host alone. When the connections fail (the watchdog,
 * the notification connection's reconnects), the hosts are probed again and the pools rebuilt on
 * the writable one. A URL with one host is used as it is.
 */
import postgres from 'postgres';
import { StoreError } from '../errors.js';
import { gated, type SocketGate } from './pg-connection.js';
import { withDeadline } from './pg-errors.js';

export interface HostList {
  /** The URL of the host chosen last (the first host until a probe chose). */
  current(): string;
  /** Whether the URL names several hosts. */
  readonly multi: boolean;
  /**
   * Probes the hosts and chooses the first writable one; resolves to its URL, or rejects
   * 'Unavailable' when none is (the primary down and no standby promoted yet).
   */
  choose(): Promise<string>;
}

/** The hosts of a URL's authority (`h1:p1,h2:p2`), each as a single-host URL of its own. */
export function splitHosts(url: string): string[] {
  const scheme = url.indexOf('://');
  if (scheme < 0) return [url];
  const rest = url.slice(scheme + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at + 1);
  const hosts = authority.slice(at + 1).split(',');
  if (hosts.length < 2) return [url];
  // Each connection goes to its host alone: target_session_attrs is this module's job now.
  const q = tail.indexOf('?');
  let path = tail;
  if (q >= 0) {
    const params = new URLSearchParams(tail.slice(q + 1));
    params.delete('target_session_attrs');
    const query = params.toString();
    path = tail.slice(0, q) + (query === '' ? '' : `?${query}`);
  }
  return hosts.map((h) => `${url.slice(0, scheme + 3)}${userinfo}${h}${path}`);
}

/** Whether the host of `url` answers within `ms` and is writable (not in recovery). */
async function writable(url: string, ms: number, gate: SocketGate | undefined): Promise<boolean> {
  const sql = postgres(url, {
    ...gated(gate),
    max: 1,
    fetch_types: false,
    connect_timeout: Math.max(1, Math.ceil(ms / 1000)),
    onnotice: () => {},
    connection: { application_name: 'k2v-probe' },
  });
  try {
    const [r] = await withDeadline(Promise.resolve(sql<{ ro: boolean }[]>`SELECT pg_is_in_recovery() AS ro`), ms, 'probe');
    return r?.ro === false;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 0 }).catch(() => undefined);
  }
}

/** `gate`: the store's (pg-connection.ts SocketGate), so that a closed store probes nothing. */
export function hostList(url: string, probeMs: number, gate?: SocketGate): HostList {
  const hosts = splitHosts(url);
  let chosen = hosts[0]!;
  let choosing: Promise<string> | undefined;
  const probeAll = async (): Promise<string> => {
    for (const h of hosts) {
      if (await writable(h, probeMs, gate)) {
        chosen = h;
        return h;
      }
    }
    throw new StoreError('Unavailable', 'no PostgreSQL host of the URL accepts writes');
  };
  return {
    current: () => chosen,
    multi: hosts.length > 1,
    choose() {
      // Concurrent callers share one round of probes.
      choosing ??= probeAll().finally(() => {
        choosing = undefined;
      });
      return choosing;
    },
  };
}
