/**
 * Where `k2v key` / `k2v bucket` find the admin API: `--admin-endpoint` / `--admin-token`, else
 * `K2V_ADMIN_ENDPOINT` / `K2V_ADMIN_TOKEN`, else the server's config file (`-c FILE` /
 * `K2V_CONFIG`), else the default endpoint (the server's default `--admin-bind`) and no token.
 */
import { Command, Option } from 'commander';
import { parseBindAddress } from '../../config/bind-address.js';
import { ConfigError } from '../../config/config-error.js';
import { loadConfig } from '../../config/load-config.js';
import { endpointUrl } from '../../server/first-run.js';
import { CliError } from '../cli-error.js';
import { out } from '../run-action.js';
import { AdminClient } from './admin-client.js';

export const DEFAULT_ADMIN_ENDPOINT = 'http://127.0.0.1:3903';

export interface AdminFlags {
  adminEndpoint?: string;
  adminToken?: string;
  config?: string;
}

/**
 * What the server's config file says of the admin API, read by the server's own loader (so a
 * `garage.toml` works too): `[admin] api_bind_addr` as a URL (a wildcard address as loopback,
 * https when `admin_tls_cert_file` is set), and the admin token from `admin_token`,
 * `admin_token_file` or the token the first run generated in the data dir. Only the file
 * counts here: the environment's own layer is K2V_ADMIN_ENDPOINT / K2V_ADMIN_TOKEN.
 */
export function fromConfigFile(configPath: string): { endpoint?: string; token?: string } {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig({ flags: { config: configPath }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const { config } = loaded;
  const bind = parseBindAddress(config.adminBind, 'admin');
  if (bind.kind === 'unix') {
    throw new CliError(`${configPath}: the admin API listens on the Unix socket ${bind.path}, which these verbs cannot reach: give --admin-endpoint`);
  }
  return { endpoint: endpointUrl(bind, config.adminTls !== undefined), ...(config.adminToken === undefined ? {} : { token: config.adminToken }) };
}

export function adminClient(flags: AdminFlags): AdminClient {
  let endpoint = flags.adminEndpoint ?? nonEmpty(process.env.K2V_ADMIN_ENDPOINT);
  let token = flags.adminToken ?? nonEmpty(process.env.K2V_ADMIN_TOKEN);
  const configPath = flags.config ?? nonEmpty(process.env.K2V_CONFIG);
  // The file is read only when it has something to say (a flag or variable already decided).
  if ((endpoint === undefined || token === undefined) && configPath !== undefined) {
    const file = fromConfigFile(configPath);
    endpoint ??= file.endpoint;
    token ??= file.token;
  }
  return new AdminClient({ endpoint: endpoint ?? DEFAULT_ADMIN_ENDPOINT, token });
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

/** A `key`/`bucket` verb with the admin connection flags and `--json`. */
export function adminVerb(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option('--admin-endpoint <url>', `admin API URL (env K2V_ADMIN_ENDPOINT; default ${DEFAULT_ADMIN_ENDPOINT})`))
    .addOption(new Option('--admin-token <token>', 'admin API bearer token (env K2V_ADMIN_TOKEN)'))
    .addOption(new Option('-c, --config <file>', "the server's TOML file, for the admin endpoint and token (env K2V_CONFIG)"))
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
