/**
 * The `k2v` command line: `k2v server`, the client verbs (a drop-in for Garage's `k2v-cli`,
 * with its options before the verb) and `k2v key` / `k2v bucket` (the admin API).
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { backupCommands } from './admin/backup-commands.js';
import { bucketCommand } from './admin/bucket-commands.js';
import { keyCommand } from './admin/key-commands.js';
import { EXIT_USAGE } from './cli-error.js';
import { clientVerbs } from './client/client-verbs.js';
import { addClientGlobals } from './client/connection.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

/**
 * A wrong command line exits 2, as k2v-cli (clap) does; help and version exit 0. `k2v server`
 * keeps commander's own exit codes.
 */
function usageExits(cmd: Command): void {
  cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  });
  for (const sub of cmd.commands) usageExits(sub);
}

const program = addClientGlobals(
  new Command('k2v')
    .description('K2V key/key/value store, wire-compatible with the K2V API of Garage: the server, a client, and key/bucket admin')
    .version(pkg.version)
    // Options before the verb are the client's connection (as in k2v-cli); after it, the verb's
    // own: `k2v -b bucket read …` names the bucket, `k2v read … -b` asks for base64 output.
    .enablePositionalOptions(),
);
for (const verb of [...clientVerbs(), keyCommand(), bucketCommand(), ...backupCommands()]) {
  usageExits(verb);
  program.addCommand(verb);
}
usageExits(program);
// The server pulls in LMDB, pino and the whole server (~0.3 s of CPU at start): a client or admin
// verb, which scripts may call in a loop, does not load it. The first argument that names a verb
// decides (an option value that happens to be a verb's name only makes the choice early).
const verbs = new Set(program.commands.map((c) => c.name()));
if (!verbs.has(process.argv.slice(2).find((a) => verbs.has(a) || a === 'server') ?? '')) {
  program.addCommand((await import('./server-command.js')).serverCommand());
}
program.addHelpText(
  'after',
  `
Exit codes of the client, key and bucket verbs: 0 done; 1 the operation failed (error answer,
item not found, server unreachable) or read --raw found concurrent values; 2 wrong command line,
or read --raw found a tombstone.

Examples:
  export K2V_ENDPOINT=http://127.0.0.1:3904 AWS_ACCESS_KEY_ID=GK… AWS_SECRET_ACCESS_KEY=… K2V_BUCKET=my-bucket
  k2v insert user-123 profile.json -t '{"name":"Alice"}'
  k2v read user-123 profile.json
  k2v key create my-app --admin-token "$K2V_ADMIN_TOKEN"
Run k2v <verb> --help for each verb.`,
);

await program.parseAsync(process.argv);
