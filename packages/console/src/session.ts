/**
 * Who is signed in, kept in the tab's sessionStorage only (gone when the tab closes; never in a
 * URL, never sent anywhere but as the credentials of the calls themselves).
 */
export type Session =
  | { readonly kind: 'admin'; readonly token: string; readonly k2vEndpoint: string; readonly region: string }
  | {
      readonly kind: 'key';
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      /** The buckets the user named (the K2V API cannot list a key's buckets). */
      readonly buckets: readonly string[];
      readonly k2vEndpoint: string;
      readonly region: string;
    };

const STORAGE_KEY = 'k2v-console-session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (raw === null) return undefined;
  try {
    const s = JSON.parse(raw) as Session;
    return s.kind === 'admin' || s.kind === 'key' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session | undefined): void {
  if (s === undefined) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

/** What the server says about itself (`/console/config.json`). */
export interface ServerInfo {
  readonly k2vEndpoint: string | null;
  readonly region: string;
}

export async function fetchServerInfo(): Promise<ServerInfo> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  return (await res.json()) as ServerInfo;
}
