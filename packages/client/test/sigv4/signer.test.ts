/**
 * The client's SigV4 signer against two independent, well-kept signers (aws4, aws4fetch): the
 * same request, the same clock, the same credentials must give the same signature. The server's
 * verifier checks the same signatures in the e2e tests, so a bug shared by signer and verifier
 * would need all three to agree.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import aws4 from 'aws4';
import { AwsV4Signer } from 'aws4fetch';
import { amzDate, canonicalRequest, Signer } from '../../src/sigv4/signer.js';
import { formatQuery, uriEncode } from '../../src/sigv4/uri-encode.js';

const creds = { accessKeyId: 'GK0123456789abcdef01234567', secretAccessKey: 'f'.repeat(20) + '0123456789abcdef'.repeat(2) + 'e'.repeat(12) };
const region = 'garage';
const host = '127.0.0.1:3904';
const date = new Date('2024-05-06T07:08:09.123Z');
const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Case {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  pk?: string;
  query: [string, string][];
  body?: string;
  token?: string;
}

const keys = ['plain', 'with space', 'a/b', '100%', 'x+y', 'é€😀', "!'()*", '?&=#', '~-_.'];
const cases: Case[] = [
  { method: 'GET', query: [] },
  { method: 'GET', query: [['prefix', 'p q'], ['limit', '10'], ['reverse', 'true'], ['start', 'p q/é']] },
  { method: 'POST', query: [['search', '']], body: '[{"partitionKey":"x"}]' },
  { method: 'POST', query: [['delete', '']], body: '[{"partitionKey":"é"}]' },
  { method: 'POST', query: [], body: '[]' },
  ...keys.map((pk, i): Case => ({ method: 'GET', pk, query: [['sort_key', keys[(i + 1) % keys.length]!]] })),
  ...keys.map((pk, i): Case => ({ method: 'PUT', pk, query: [['sort_key', keys[(i + 4) % keys.length]!]], body: `value ${i}`, token: 'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB' })),
  { method: 'DELETE', pk: 'pk', query: [['sort_key', 'sk']], token: 'AAAAAAAAAAA' },
  { method: 'GET', pk: 'pk', query: [['sort_key', 'k'], ['causality_token', 'AAAAAAAAAAA'], ['timeout', '300']] },
  { method: 'POST', pk: 'p/k', query: [['poll_range', '']], body: '{"prefix":"a","timeout":300}' },
];

function target(c: Case) {
  const path = '/bucket' + (c.pk === undefined ? '' : '/' + uriEncode(c.pk));
  const query = c.query.length === 0 ? '' : '?' + formatQuery(c.query);
  const headers: Record<string, string> = c.token === undefined ? {} : { 'x-garage-causality-token': c.token };
  return { path, query, headers, payloadHash: sha(c.body ?? '') };
}

async function ours(c: Case): Promise<Record<string, string>> {
  const t = target(c);
  return new Signer(creds, region).sign({ method: c.method, host, path: t.path, query: c.query, headers: t.headers, payloadHash: t.payloadHash, date });
}

describe('SigV4 header signing', () => {
  for (const c of cases) {
    const label = `${c.method} ${c.pk ?? '(bucket)'} ${JSON.stringify(c.query)}`;
    it(`equals aws4: ${label}`, async () => {
      const t = target(c);
      const mine = await ours(c);
      const headers = { host, 'x-amz-date': amzDate(date), 'x-amz-content-sha256': t.payloadHash, ...t.headers };
      const signer = new aws4.RequestSigner(
        { method: c.method, path: t.path + t.query, headers, service: 'k2v', region, body: c.body ?? '', doNotModifyHeaders: true },
        creds,
      );
      signer.datetime = amzDate(date);
      const signed = signer.sign();
      assert.equal(mine['authorization'], (signed.headers as Record<string, string>)['Authorization']);
    });

    it(`equals aws4fetch: ${label}`, async () => {
      const t = target(c);
      const mine = await ours(c);
      const signer = new AwsV4Signer({
        method: c.method,
        url: `http://${host}${t.path}${t.query}`,
        headers: { 'x-amz-content-sha256': t.payloadHash, ...t.headers },
        body: c.body ?? '',
        ...creds,
        service: 'k2v',
        region,
        datetime: amzDate(date),
      });
      const signed = await signer.sign();
      assert.equal(mine['authorization'], signed.headers.get('authorization'));
      assert.equal(mine['x-amz-date'], signed.headers.get('x-amz-date'));
    });
  }

  it('a different secret, region or clock gives another signature', async () => {
    const c = cases[5]!;
    const t = target(c);
    const input = { method: c.method, host, path: t.path, query: c.query, headers: t.headers, payloadHash: t.payloadHash, date };
    const base = (await new Signer(creds, region).sign(input))['authorization'];
    assert.notEqual((await new Signer({ ...creds, secretAccessKey: 'x' }, region).sign(input))['authorization'], base);
    assert.notEqual((await new Signer(creds, 'other').sign(input))['authorization'], base);
    assert.notEqual((await new Signer(creds, region).sign({ ...input, date: new Date(date.getTime() + 1000) }))['authorization'], base);
  });

  it('canonical URI: the path as sent, encoded once more; header values trimmed and collapsed', () => {
    const { request, signedHeaders } = canonicalRequest({
      method: 'GET',
      host,
      path: '/b/a%20b%2Fc',
      query: [['sort_key', 'x y'], ['a', '']],
      headers: { 'X-Garage-Causality-Token': '  a   b  ' },
      payloadHash: 'UNSIGNED-PAYLOAD',
      date,
    });
    assert.equal(signedHeaders, 'host;x-garage-causality-token');
    assert.equal(request, `GET\n/b/a%2520b%252Fc\na=&sort_key=x%20y\nhost:${host}\nx-garage-causality-token:a b\n\nhost;x-garage-causality-token\nUNSIGNED-PAYLOAD`);
  });
});

describe('SigV4 presigned URLs', () => {
  for (const pk of keys) {
    it(`equals aws4fetch (UNSIGNED-PAYLOAD): ${pk}`, async () => {
      const path = '/bucket/' + uriEncode(pk);
      const query: [string, string][] = [['sort_key', pk + '-sk']];
      const pairs = await new Signer(creds, region).presign({ method: 'GET', host, path, query, date }, 900);
      const mine = new Map(pairs);

      const signer = new AwsV4Signer({
        method: 'GET',
        url: `http://${host}${path}?${formatQuery(query)}&X-Amz-Expires=900`,
        ...creds,
        service: 'k2v',
        region,
        datetime: amzDate(date),
        signQuery: true,
      });
      // aws4fetch signs the body hash for non-S3 presigned URLs; the contract's form is UNSIGNED-PAYLOAD.
      (signer as unknown as { hexBodyHash: () => Promise<string> }).hexBodyHash = async () => 'UNSIGNED-PAYLOAD';
      const { url } = await signer.sign();
      for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
        assert.equal(mine.get(name), url.searchParams.get(name), name);
      }
      assert.equal(pairs.at(-1)?.[0], 'X-Amz-Signature');
    });
  }
});
