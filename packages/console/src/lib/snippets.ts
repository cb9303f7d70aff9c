/**
 * Copy-paste snippets that do what the console shows, with curl (its built-in SigV4), the `k2v`
 * CLI (k2v-cli's syntax) and the k2v-client library. Secrets are never in them: they read the
 * usual environment variables (K2V_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY), which the server's first run prints.
 */

/** A word for a POSIX shell: kept bare when safe, else single-quoted. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The path of an item as the K2V API addresses it (partition key percent-encoded, sort key in the query). */
export function itemPath(bucket: string, pk: string, sk: string): string {
  return `/${encodeURIComponent(bucket)}/${encodeURIComponent(pk)}?sort_key=${encodeURIComponent(sk)}`;
}

const CURL = 'curl --aws-sigv4 "aws:amz:$AWS_REGION:k2v" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"';

export interface ItemSnippets {
  curl: string;
  cli: string;
  client: string;
}

const js = (s: string) => JSON.stringify(s);

export function itemSnippets(bucket: string, pk: string, sk: string, token: string | undefined): ItemSnippets {
  const url = `"$K2V_ENDPOINT${itemPath(bucket, pk, sk).replaceAll('"', '%22').replaceAll('$', '%24').replaceAll('`', '%60')}"`;
  const tok = token ?? '<token>';
  const curl = [
    '# read (JSON array of base64 values; the token is in X-Garage-Causality-Token)',
    `${CURL} -i ${url}`,
    '# write with the token (supersedes the values read)',
    `${CURL} -X PUT -H ${shellQuote(`X-Garage-Causality-Token: ${tok}`)} --data-binary @value.bin ${url}`,
    '# delete',
    `${CURL} -X DELETE -H ${shellQuote(`X-Garage-Causality-Token: ${tok}`)} ${url}`,
  ].join('\n');
  const b = shellQuote(bucket);
  const p = shellQuote(pk);
  const s = shellQuote(sk);
  const cli = [
    `k2v -b ${b} read ${p} ${s}`,
    `k2v -b ${b} insert ${p} ${s} -c ${shellQuote(tok)} -t 'new value'`,
    `k2v -b ${b} delete ${p} ${s} -c ${shellQuote(tok)}`,
    `k2v -b ${b} poll-item ${p} ${s} -c ${shellQuote(tok)}`,
  ].join('\n');
  const client = [
    "import { K2vClient, text } from 'k2v-client';",
    '',
    `const k2v = K2vClient.fromEnv({ bucket: ${js(bucket)} });`,
    `const item = await k2v.readItem(${js(pk)}, ${js(sk)});`,
    'if (item) {',
    '  console.log(item.values.map((v) => (v === null ? null : text(v))));',
    `  await k2v.insertItem(${js(pk)}, ${js(sk)}, 'new value', item.token);`,
    '}',
    '// or resolve every concurrent value in one call:',
    `await k2v.update(${js(pk)}, ${js(sk)}, (values) => values[0] ?? null);`,
  ].join('\n');
  return { curl, cli, client };
}
