/**
 * `k2v key …`: the verbs of `garage key` (list, info, create, rename, delete, allow, deny,
 * import) on the admin API v1.
 */
import { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { runAction } from '../run-action.js';
import { adminClient, adminVerb, show, type AdminVerbFlags } from './admin-settings.js';
import { keyInfoText, keyListTable } from './admin-tables.js';
import { confirm } from './confirm.js';
import { resolveKey } from './resolve.js';

type Flags = AdminVerbFlags;

export function keyCommand(): Command {
  const key = new Command('key').description('manage access keys through the admin API (the verbs of `garage key`)');

  key.addCommand(
    adminVerb('list', 'list access keys').action(
      runAction(async (flags: Flags) => {
        const keys = await adminClient(flags).listKeys();
        show(flags, keys, () => keyListTable(keys));
      }),
    ),
  );

  key.addCommand(
    adminVerb('info', 'show a key, its permissions and the buckets it can use')
      .argument('<key>', 'key id, a prefix of it, or key name')
      .option('--show-secret', 'show the secret access key')
      .action(
        runAction(async (pattern: string, flags: Flags & { showSecret?: boolean }) => {
          const info = await resolveKey(adminClient(flags), pattern, flags.showSecret === true);
          show(flags, info, () => keyInfoText(info));
        }),
      ),
  );

  key.addCommand(
    adminVerb('create', 'create a key and print its id and secret')
      .argument('[name]', 'name of the key', 'Unnamed key')
      .action(
        runAction(async (name: string, flags: Flags) => {
          const info = await adminClient(flags).createKey(name);
          show(flags, info, () => keyInfoText(info));
        }),
      ),
  );

  key.addCommand(
    adminVerb('rename', 'rename a key')
      .argument('<key>', 'key id, a prefix of it, or key name')
      .argument('<new-name>', 'new name')
      .action(
        runAction(async (pattern: string, newName: string, flags: Flags) => {
          const admin = adminClient(flags);
          const found = await resolveKey(admin, pattern);
          const info = await admin.updateKey(found.accessKeyId, { name: newName });
          show(flags, info, () => keyInfoText(info));
        }),
      ),
  );

  key.addCommand(
    adminVerb('delete', 'delete a key (asks for confirmation; --yes when not on a terminal)')
      .argument('<key>', 'key id, a prefix of it, or key name')
      .option('--yes', 'confirm the deletion')
      .action(
        runAction(async (pattern: string, flags: Flags & { yes?: boolean }) => {
          const admin = adminClient(flags);
          const found = await resolveKey(admin, pattern);
          await confirm(`delete key ${found.accessKeyId} (${found.name})`, flags.yes === true);
          await admin.deleteKey(found.accessKeyId);
          show(flags, { accessKeyId: found.accessKeyId, deleted: true }, () => `Key ${found.accessKeyId} was deleted successfully.\n`);
        }),
      ),
  );

  for (const allow of [true, false]) {
    key.addCommand(
      adminVerb(allow ? 'allow' : 'deny', allow ? 'set permission flags of a key' : 'clear permission flags of a key')
        .argument('<key>', 'key id, a prefix of it, or key name')
        .option('--create-bucket', 'the flag that lets the key create buckets')
        .action(
          runAction(async (pattern: string, flags: Flags & { createBucket?: boolean }) => {
            if (flags.createBucket !== true) throw usageError('nothing to change: give --create-bucket');
            const admin = adminClient(flags);
            const found = await resolveKey(admin, pattern);
            const change = { createBucket: true };
            const info = await admin.updateKey(found.accessKeyId, allow ? { allow: change } : { deny: change });
            show(flags, info, () => keyInfoText(info));
          }),
        ),
    );
  }

  key.addCommand(
    adminVerb('import', 'import a key made elsewhere (e.g. by Garage), with its id and secret')
      .argument('<key-id>', 'access key id (GK followed by 24 hex digits)')
      .argument('<secret>', 'secret access key (64 hex digits)')
      .option('-n, --name <name>', 'name of the key', 'Imported key')
      .option('--yes', 'confirm the import')
      .action(
        runAction(async (keyId: string, secret: string, flags: Flags & { name: string; yes?: boolean }) => {
          await confirm(`import key ${keyId}`, flags.yes === true);
          const info = await adminClient(flags).importKey(keyId, secret, flags.name);
          show(flags, info, () => keyInfoText(info));
        }),
      ),
  );

  return key.addHelpText(
    'after',
    `
Examples:
  export K2V_ADMIN_TOKEN=…            # the server's --admin-token
  k2v key create my-app               # prints the key id and its secret
  k2v key info my-app --show-secret
  k2v key delete my-app --yes`,
  );
}
