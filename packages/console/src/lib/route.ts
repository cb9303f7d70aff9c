/**
 * The console's places as URL fragments (`#/b/<bucket>/p/<pk>?prefix=…`): deep links and the
 * back button work, nothing reaches the server, and no secret is ever part of a URL. Keys are
 * percent-encoded whole, so any byte of a key round-trips.
 */
export type Route =
  | { view: 'buckets' }
  | { view: 'keys' }
  | { view: 'permissions' }
  | { view: 'partitions'; bucket: string; prefix: string; start: string }
  | { view: 'items'; bucket: string; pk: string; prefix: string; start: string; end: string; mode: ItemsMode }
  | { view: 'item'; bucket: string; pk: string; sk: string }
  | { view: 'tail'; bucket: string; pk: string; prefix: string };

export type ItemsMode = 'live' | 'tombstones' | 'conflicts';

const enc = encodeURIComponent;

function query(params: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export function href(r: Route): string {
  switch (r.view) {
    case 'buckets':
      return '#/';
    case 'keys':
      return '#/keys';
    case 'permissions':
      return '#/permissions';
    case 'partitions':
      return `#/b/${enc(r.bucket)}${query({ prefix: r.prefix, start: r.start })}`;
    case 'items':
      return `#/b/${enc(r.bucket)}/p/${enc(r.pk)}${query({ prefix: r.prefix, start: r.start, end: r.end, mode: r.mode === 'live' ? '' : r.mode })}`;
    case 'item':
      return `#/b/${enc(r.bucket)}/p/${enc(r.pk)}/i/${enc(r.sk)}`;
    case 'tail':
      return `#/b/${enc(r.bucket)}/p/${enc(r.pk)}/tail${query({ prefix: r.prefix })}`;
  }
}

function dec(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The route of a fragment; anything unknown is the bucket list. */
export function parse(hash: string): Route {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const qi = h.indexOf('?');
  const path = qi < 0 ? h : h.slice(0, qi);
  const q = new URLSearchParams(qi < 0 ? '' : h.slice(qi + 1));
  const get = (k: string) => q.get(k) ?? '';
  const parts = path.split('/').filter((p, i) => i > 0 || p !== '');
  if (parts[0] === '') parts.shift();
  const seg = parts.map(dec);
  if (seg.some((s) => s === undefined)) return { view: 'buckets' };
  const s = seg as string[];
  if (s.length === 1 && s[0] === 'keys') return { view: 'keys' };
  if (s.length === 1 && s[0] === 'permissions') return { view: 'permissions' };
  if (s[0] === 'b' && s.length === 2) return { view: 'partitions', bucket: s[1]!, prefix: get('prefix'), start: get('start') };
  if (s[0] === 'b' && s[2] === 'p' && s.length === 4) {
    const m = get('mode');
    const mode: ItemsMode = m === 'tombstones' || m === 'conflicts' ? m : 'live';
    return { view: 'items', bucket: s[1]!, pk: s[3]!, prefix: get('prefix'), start: get('start'), end: get('end'), mode };
  }
  if (s[0] === 'b' && s[2] === 'p' && s[4] === 'i' && s.length === 6) return { view: 'item', bucket: s[1]!, pk: s[3]!, sk: s[5]! };
  if (s[0] === 'b' && s[2] === 'p' && s[4] === 'tail' && s.length === 5) return { view: 'tail', bucket: s[1]!, pk: s[3]!, prefix: get('prefix') };
  return { view: 'buckets' };
}
