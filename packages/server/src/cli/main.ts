/**
 * The `k2v` command line.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { serverCommand } from './server-command.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command('k2v')
  .description('K2V key/key/value storage server, wire-compatible with the K2V API of Garage')
  .version(pkg.version)
  .addCommand(serverCommand());

await program.parseAsync(process.argv);
