/**
 * `k2v bucket …`: the verbs of `garage bucket` that apply to a K2V server (list, info, create,
 * delete, alias, unalias, allow, deny) on the admin API v1.
 */
import { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { runAction } from '../run-action.js';
import { adminClient, adminVerb, show, type AdminVerbFlags } from './admin-settings.js';
import { bucketInfoText, bucketListTable } from './admin-tables.js';
import { confirm } from './confirm.js';
import { resolveBucket, resolveKey } from './resolve.js';

type Flags = AdminVerbFlags;

interface PermFlags extends Flags {
  key: string;
  read?: boolean;
  write?: boolean;
  owner?: boolean;
}

export function bucketCommand(): Command {
  const bucket = new Command('bucket').description('manage buckets through the admin API (the verbs of `garage bucket`)');

  bucket.addCommand(
    adminVerb('list', 'list buckets').action(
      runAction(async (flags: Flags) => {
        const buckets = await adminClient(flags).listBuckets();
        show(flags, buckets, () => bucketListTable(buckets));
      }),
    ),
  );

  bucket.addCommand(
    adminVerb('info', 'show a bucket: K2V figures, aliases, authorized keys')
      .argument('<bucket>', 'global alias or bucket id')
      .action(
        runAction(async (name: string, flags: Flags) => {
          const info = await resolveBucket(adminClient(flags), name);
          show(flags, info, () => bucketInfoText(info));
        }),
      ),
  );

  bucket.addCommand(
    adminVerb('create', 'create a bucket with this global alias')
      .argument('<name>', 'global alias of the new bucket')
      .action(
        runAction(async (name: string, flags: Flags) => {
          const info = await adminClient(flags).createBucket({ globalAlias: name });
          show(flags, info, () => `Bucket ${name} was created.\n`);
        }),
      ),
  );

  bucket.addCommand(
    adminVerb('delete', 'delete an empty bucket (asks for confirmation; --yes when not on a terminal)')
      .argument('<bucket>', 'global alias or bucket id')
      .option('--yes', 'confirm the deletion')
      .action(
        runAction(async (name: string, flags: Flags & { yes?: boolean }) => {
          const admin = adminClient(flags);
          const info = await resolveBucket(admin, name);
          await confirm(`delete bucket ${name} (${info.id})`, flags.yes === true);
          await admin.deleteBucket(info.id);
          show(flags, { id: info.id, deleted: true }, () => `Bucket ${name} was deleted.\n`);
        }),
      ),
  );

  bucket.addCommand(
    adminVerb('alias', 'give a bucket one more name, global or in the namespace of a key')
      .argument('<bucket>', 'existing global alias or bucket id')
      .argument('<new-name>', 'the new alias')
      .option('--local <key>', 'make the alias local to this access key')
      .action(
        runAction(async (name: string, newName: string, flags: Flags & { local?: string }) => {
          const admin = adminClient(flags);
          const target = await resolveBucket(admin, name);
          let info;
          let where = '';
          if (flags.local !== undefined) {
            const key = await resolveKey(admin, flags.local);
            info = await admin.addLocalAlias(target.id, key.accessKeyId, newName);
            where = ` in namespace of key ${key.accessKeyId}`;
          } else {
            info = await admin.addGlobalAlias(target.id, newName);
          }
          show(flags, info, () => `Alias ${newName} now points to bucket ${target.id}${where}\n`);
        }),
      ),
  );

  bucket.addCommand(
    adminVerb('unalias', 'remove an alias (not the last one of a bucket: delete the bucket instead)')
      .argument('<name>', 'the alias to remove')
      .option('--local <key>', 'the alias is local to this access key')
      .action(
        runAction(async (name: string, flags: Flags & { local?: string }) => {
          const admin = adminClient(flags);
          let info;
          let where = '';
          if (flags.local !== undefined) {
            const key = await resolveKey(admin, flags.local);
            const target = key.buckets.find((b) => b.localAliases.includes(name));
            if (target === undefined) throw new CliError(`key ${key.accessKeyId} has no local alias ${name}`);
            info = await admin.removeLocalAlias(target.id, key.accessKeyId, name);
            where = ` in namespace of key ${key.accessKeyId}`;
          } else {
            const target = await admin.getBucket({ globalAlias: name });
            info = await admin.removeGlobalAlias(target.id, name);
          }
          show(flags, info, () => `Alias ${name} no longer points to bucket ${info.id}${where}\n`);
        }),
      ),
  );

  for (const allow of [true, false]) {
    bucket.addCommand(
      adminVerb(allow ? 'allow' : 'deny', allow ? 'let a key read, write or own a bucket' : 'take permissions on a bucket from a key')
        .argument('<bucket>', 'global alias or bucket id')
        .requiredOption('--key <key>', 'access key id, a prefix of it, or key name')
        .option('--read', allow ? 'allow reads' : 'deny reads')
        .option('--write', allow ? 'allow writes' : 'deny writes')
        .option('--owner', allow ? 'allow owner operations' : 'deny owner operations')
        .action(
          runAction(async (name: string, flags: PermFlags) => {
            const perms = { read: flags.read === true, write: flags.write === true, owner: flags.owner === true };
            if (!perms.read && !perms.write && !perms.owner) throw usageError('nothing to change: give --read, --write and/or --owner');
            const admin = adminClient(flags);
            const target = await resolveBucket(admin, name);
            const key = await resolveKey(admin, flags.key);
            const info = allow
              ? await admin.allowKey(target.id, key.accessKeyId, perms)
              : await admin.denyKey(target.id, key.accessKeyId, perms);
            const now = info.keys.find((k) => k.accessKeyId === key.accessKeyId)?.permissions ?? { read: false, write: false, owner: false };
            show(flags, info, () => `New permissions for ${key.accessKeyId} on ${name}: read ${now.read}, write ${now.write}, owner ${now.owner}.\n`);
          }),
        ),
    );
  }

  return bucket.addHelpText(
    'after',
    `
Examples:
  export K2V_ADMIN_TOKEN=…            # the server's --admin-token
  k2v bucket create my-bucket
  k2v bucket allow --read --write --owner --key my-app my-bucket
  k2v bucket info my-bucket`,
  );
}
