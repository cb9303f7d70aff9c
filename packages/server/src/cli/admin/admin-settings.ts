/**
 * Where `k2v key` / `k2v bucket` find the admin API: `--admin-endpoint` / `--admin-token`, else
 * `K2V_ADMIN_ENDPOINT` / `K2V_ADMIN_TOKEN`, else the server's config file, else the default
 * endpoint (the server's default `--admin-bind`) and no token.
 */
import { Command, Option } from 'commander';
import { out } from '../run-action.js';
import { AdminClient } from './admin-client.js';

export const DEFAULT_ADMIN_ENDPOINT = 'http://127.0.0.1:3903';

export interface AdminFlags {
  adminEndpoint?: string;
  adminToken?: string;
}

/**
 * The seam for the config file (`k2v server -c FILE`, `K2V_CONFIG`): when its loader lands, this
 * returns the file's `[admin] api_bind_addr` as an endpoint and its `admin_token` /
 * `admin_token_file`, and the precedence above holds. Until then no file is read.
 */
function fromConfigFile(): { endpoint?: string; token?: string } {
  return {};
}

export function adminClient(flags: AdminFlags): AdminClient {
  const file = fromConfigFile();
  const endpoint = flags.adminEndpoint ?? nonEmpty(process.env.K2V_ADMIN_ENDPOINT) ?? file.endpoint ?? DEFAULT_ADMIN_ENDPOINT;
  const token = flags.adminToken ?? nonEmpty(process.env.K2V_ADMIN_TOKEN) ?? file.token;
  return new AdminClient({ endpoint, token });
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

/** A `key`/`bucket` verb with the admin connection flags and `--json`. */
export function adminVerb(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option('--admin-endpoint <url>', `admin API URL (env K2V_ADMIN_ENDPOINT; default ${DEFAULT_ADMIN_ENDPOINT})`))
    .addOption(new Option('--admin-token <token>', 'admin API bearer token (env K2V_ADMIN_TOKEN)'))
    .option('--json', 'print the admin API answer as JSON instead of a table');
}

/** The flags every `key`/`bucket` verb has. */
export interface AdminVerbFlags extends AdminFlags {
  json?: boolean;
}

/** A verb's result: the admin API's answer as JSON with `--json`, else the human text. */
export function show(flags: AdminVerbFlags, answer: unknown, human: () => string): void {
  out(flags.json === true ? JSON.stringify(answer, null, 2) + '\n' : human());
}
