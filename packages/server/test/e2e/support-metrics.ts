/** Reading GET /metrics of a test server: its samples by name and labels. */
import assert from 'node:assert/strict';
import { tcpAddress } from '../../src/server/running-server.js';
import { rawSend, type TestServer } from './harness.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name and at least these labels (undefined: none). */
export function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `one sample ${name} ${JSON.stringify(labels)}: ${JSON.stringify(found)}`);
  return found[0]?.value;
}

export async function scrape(ts: TestServer, authorization?: string): Promise<{ status: number; type: string | undefined; text: string }> {
  const headers: Record<string, string> = { host: `${tcpAddress(ts.server.admin).host}:${tcpAddress(ts.server.admin).port}` };
  if (authorization !== undefined) headers['authorization'] = authorization;
  const res = await rawSend({ host: tcpAddress(ts.server.admin).host, port: tcpAddress(ts.server.admin).port, method: 'GET', path: '/metrics', headers, body: undefined });
  return { status: res.status, type: res.headers['content-type'], text: res.text() };
}

