/**
 * `k2v server`: declares the command; its options come from the settings table
 * (config/settings.ts), the work from run-server.ts.
 */
import { Command } from 'commander';
import { addSettingOptions, flagValues } from './setting-options.js';
import { checkConfig, runServer } from './run-server.js';

export function serverCommand(): Command {
  const cmd = new Command('server')
    .description('run the K2V API, the admin API and the web console (embedded LMDB by default, or PostgreSQL with --db-engine postgres)')
    .option('--check-config', 'validate the configuration, print it (secrets masked) and exit');
  addSettingOptions(cmd)
    .addHelpText(
      'after',
      `
Settings: flag > environment > configuration file (-c, K2V_CONFIG; a garage.toml is read as it
is, K2V's own settings live in its [k2v_server] section) > default. The README's Configuration
section lists every setting with its TOML key.

First run: on a new data dir with no admin token configured, the server generates an admin
token, an access key and a bucket "default", prints an export block for the CLI and the client
once, and keeps it in <data dir>/credentials.env (mode 0600).

Examples:
  k2v server
  k2v server -c /etc/garage.toml
  k2v server --data-dir /var/lib/k2v --admin-token-file /etc/k2v/admin-token`,
    )
    .action(async (opts: { checkConfig?: boolean }) => {
      const input = { flags: flagValues(cmd), env: process.env };
      if (opts.checkConfig === true) checkConfig(input);
      else await runServer(input);
    });
  return cmd;
}
