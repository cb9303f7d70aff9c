/**
 * The options before the verb, exactly k2v-cli's: `-r/--region` (AWS_REGION, default garage),
 * `-e/--endpoint` (K2V_ENDPOINT), `-k/--key-id` (AWS_ACCESS_KEY_ID), `-s/--secret`
 * (AWS_SECRET_ACCESS_KEY), `-b/--bucket` (K2V_BUCKET); `K2V_KEY_ID` / `K2V_KEY_SECRET` are read
 * too, as `K2vClient.fromEnv` reads them. They are only needed by the client verbs, so a missing
 * one is reported when such a verb runs.
 */
import { Command, Option } from 'commander';
import { K2vClient, K2vError } from 'k2v-client';
import { usageError } from '../cli-error.js';

export interface GlobalFlags {
  region?: string;
  endpoint?: string;
  keyId?: string;
  secret?: string;
  bucket?: string;
}

export function addClientGlobals(program: Command): Command {
  return program
    .addOption(new Option('-r, --region <region>', 'SigV4 region of the server (client verbs)').env('AWS_REGION').default('garage'))
    .addOption(new Option('-e, --endpoint <url>', 'URL of the K2V API (client verbs)').env('K2V_ENDPOINT'))
    .addOption(new Option('-k, --key-id <id>', 'access key id (client verbs; env K2V_KEY_ID too)').env('AWS_ACCESS_KEY_ID'))
    .addOption(new Option('-s, --secret <secret>', 'secret access key (client verbs; env K2V_KEY_SECRET too)').env('AWS_SECRET_ACCESS_KEY'))
    .addOption(new Option('-b, --bucket <bucket>', 'bucket name or id (client verbs)').env('K2V_BUCKET'));
}

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

/** The globals of the root command of `cmd` (options before the verb). */
export function globalsOf(cmd: Command): GlobalFlags {
  let root = cmd;
  while (root.parent !== null) root = root.parent;
  return root.opts<GlobalFlags>();
}

/**
 * The client for a verb; `bucket` is the verb's own `--bucket` (the product page's spelling),
 * which wins over the global one.
 */
export function connect(cmd: Command, bucket?: string): K2vClient {
  const g = globalsOf(cmd);
  const settings = {
    endpoint: g.endpoint,
    accessKeyId: g.keyId ?? env('K2V_KEY_ID'),
    secretAccessKey: g.secret ?? env('K2V_KEY_SECRET'),
    bucket: bucket ?? g.bucket,
  };
  const missing = [
    settings.endpoint === undefined ? '-e/--endpoint (or K2V_ENDPOINT)' : undefined,
    settings.accessKeyId === undefined ? '-k/--key-id (or AWS_ACCESS_KEY_ID)' : undefined,
    settings.secretAccessKey === undefined ? '-s/--secret (or AWS_SECRET_ACCESS_KEY)' : undefined,
    settings.bucket === undefined ? '-b/--bucket (or K2V_BUCKET)' : undefined,
  ].filter((m) => m !== undefined);
  if (missing.length > 0) throw usageError(`missing setting${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  try {
    return new K2vClient({
      endpoint: settings.endpoint ?? '',
      region: g.region ?? 'garage',
      accessKeyId: settings.accessKeyId ?? '',
      secretAccessKey: settings.secretAccessKey ?? '',
      bucket: settings.bucket ?? '',
    });
  } catch (err) {
    if (err instanceof K2vError && err.code === 'InvalidArgument') throw usageError(err.message.replace(/^k2v-client: /, ''));
    throw err;
  }
}
