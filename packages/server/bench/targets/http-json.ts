/**
 * A one-shot JSON request over node:http, for set-up calls (admin API, etcd preload) that are not
 * part of any measurement.
 */
import http from 'node:http';
import type { Target } from '../sign.js';

export interface JsonResponse {
  readonly status: number;
  readonly body: string;
}

export function httpRequest(
  target: Target,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request({
      host: target.host,
      port: target.port,
      method,
      path,
      agent: false,
      headers: { ...headers, ...(data === undefined ? {} : { 'content-length': String(data.length) }) },
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(data);
  });
}

/** A JSON request that must answer 200; returns the parsed body. */
export async function jsonOk(target: Target, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await httpRequest(target, method, path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 500)}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}
