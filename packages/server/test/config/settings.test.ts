/**
 * The settings table itself: names that scripts rely on stay, every row can be read from where
 * it says, the commander options are the table's, and the README's reference is the table's.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { addSettingOptions, flagValues } from '../../src/cli/setting-options.js';
import { renderSettingsReference, withSettingsReference } from '../../src/config/settings-doc.js';
import { longFlag } from '../../src/config/resolve-settings.js';
import { OWN_SECTION, row, SETTING_IDS, SETTINGS } from '../../src/config/settings.js';

describe('settings table', () => {
  test('the flags and variable that existed before keep their names', () => {
    const flags = SETTING_IDS.map((id) => row(id).flag).filter((f) => f !== undefined).map((f) => longFlag(f));
    for (const f of [
      '--data-dir',
      '--k2v-bind',
      '--admin-bind',
      '--admin-token',
      '--region',
      '--tombstone-gc-delay',
      '--map-size',
      '--max-connections',
      '--max-connections-per-ip',
      '--log-level',
      '--config',
      '--log-format',
    ]) {
      assert.ok(flags.includes(f), f);
    }
    assert.equal(SETTINGS.adminToken.env, 'K2V_ADMIN_TOKEN');
    assert.equal(SETTINGS.config.env, 'K2V_CONFIG');
  });

  test('names are unique; environment variables start with K2V_; own keys live in [k2v_server]', () => {
    const seen = new Set<string>();
    for (const id of SETTING_IDS) {
      const r = row(id);
      for (const name of [r.toml, r.env, r.flag && longFlag(r.flag)]) {
        if (name === undefined) continue;
        assert.ok(!seen.has(name), `${name} twice`);
        seen.add(name);
      }
      if (r.env !== undefined) assert.match(r.env, /^K2V_[A-Z0-9_]+$/);
      // (postgres_url, to come, will sit beside db_engine at the top level)
      if (r.toml !== undefined && !r.garage && r.toml !== 'postgres_url') assert.ok(r.toml.startsWith(`${OWN_SECTION}.`), `${id}: ${r.toml}`);
      assert.ok(r.toml !== undefined || r.env !== undefined || r.flag !== undefined, `${id} is read from somewhere`);
    }
  });

  test('each default reads back from its own text (what --help and the README show)', () => {
    for (const id of SETTING_IDS) {
      const r = row(id);
      if (r.default === undefined) continue;
      assert.deepEqual(r.type.fromText(r.type.show(r.default)), r.default, id);
    }
  });

  test('the commander options: one per flag, with the env var and the default in --help, and only command-line values taken', () => {
    const cmd = addSettingOptions(new Command('server').exitOverride());
    const help = cmd.helpInformation();
    for (const id of SETTING_IDS) {
      const r = row(id);
      if (r.flag === undefined) continue;
      assert.ok(help.includes(r.flag), r.flag);
      if (r.env !== undefined) assert.ok(help.replace(/\s+/g, ' ').includes(`env: ${r.env}`), `${r.env} in --help`);
    }
    assert.match(help.replace(/\s+/g, ' '), /default: \.\/k2v-data/);
    const saved = process.env.K2V_REGION;
    process.env.K2V_REGION = 'from-env';
    try {
      cmd.parse(['--data-dir', '/d', '--map-size', '16', '-c', 'f.toml'], { from: 'user' });
      assert.deepEqual(flagValues(cmd), { config: 'f.toml', dataDir: '/d', mapSize: '16' });
    } finally {
      if (saved === undefined) delete process.env.K2V_REGION;
      else process.env.K2V_REGION = saved;
    }
  });
});

describe('README configuration reference', () => {
  // dist/test/config/ -> the repository root
  const readme = fs.readFileSync(fileURLToPath(new URL('../../../../../README.md', import.meta.url)), 'utf8');

  test('is the one made from the table (run `npm run docs` after changing settings.ts)', () => {
    assert.equal(withSettingsReference(readme), readme);
  });

  test('names every TOML key, variable and flag', () => {
    const reference = renderSettingsReference();
    for (const id of SETTING_IDS) {
      const r = row(id);
      if (r.env !== undefined) assert.ok(reference.includes(`\`${r.env}\``), r.env);
      if (r.flag !== undefined) assert.ok(reference.includes(`\`${r.flag}\``), r.flag);
      if (r.toml !== undefined) assert.ok(reference.includes(r.toml.split('.').pop()!), r.toml);
    }
  });
});
