import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endLater } from '../../src/http/end-later.js';

function get(port: number, agent: http.Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('endLater: every response of a burst reaches its own client, body and status intact', async () => {
  let ended = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    endLater(res, `answer to ${req.url}`);
    // Nothing is sent before the turn's check phase.
    assert.equal(res.writableEnded, false);
    res.once('finish', () => ended++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const paths = Array.from({ length: 200 }, (_, i) => `/r${i}`);
    const got = await Promise.all(paths.map((p) => get(port, agent, p)));
    assert.deepEqual(
      got.map((g) => g.body),
      paths.map((p) => `answer to ${p}`),
    );
    assert.ok(got.every((g) => g.status === 200));
    assert.equal(ended, 200);
  } finally {
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('endLater: a destroyed or throwing response does not keep the others of its turn from ending', async () => {
  const calls: string[] = [];
  const fake = (name: string, opts: { destroyed?: boolean; throws?: boolean } = {}) => {
    const res = {
      destroyed: opts.destroyed ?? false,
      end(body?: string) {
        if (opts.throws === true) throw new Error('broken socket');
        calls.push(`${name}:${body ?? ''}`);
      },
      destroy() {
        calls.push(`${name}:destroyed`);
      },
    };
    return res as unknown as ServerResponse;
  };
  endLater(fake('a'), 'x');
  endLater(fake('b', { destroyed: true }), 'y');
  endLater(fake('c', { throws: true }), 'z');
  endLater(fake('d'));
  assert.deepEqual(calls, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, ['a:x', 'c:destroyed', 'd:']);
});
