/**
 * The commander options of the settings table (config/settings.ts): one per setting with a flag,
 * its help naming the environment variable and the default. Values are taken as text and parsed
 * by the config loader, which also reads the environment itself (so precedence and error
 * messages are the loader's, whatever the command).
 */
import { Option, type Command } from 'commander';
import { tomlKeyName } from '../config/config-file.js';
import { row, SETTING_IDS, type SettingId } from '../config/settings.js';

export function addSettingOptions(cmd: Command): Command {
  for (const id of SETTING_IDS) {
    const r = row(id);
    if (r.flag === undefined) continue;
    const inFile = r.toml === undefined ? '' : ` [file: ${tomlKeyName(r.toml)}]`;
    const option = new Option(r.flag, `${r.meaning.replaceAll('`', '')}${inFile}`);
    if (r.env !== undefined) option.env(r.env);
    if (r.default !== undefined) {
      const shown = r.type.show(r.default);
      option.default(shown, shown);
    }
    cmd.addOption(option);
  }
  return cmd;
}

/** The settings given on the command line itself (not commander's defaults or environment). */
export function flagValues(cmd: Command): Partial<Record<SettingId, string>> {
  const out: Partial<Record<SettingId, string>> = {};
  const opts = cmd.opts<Record<string, unknown>>();
  for (const id of SETTING_IDS) {
    const r = row(id);
    if (r.flag === undefined) continue;
    const attr = new Option(r.flag).attributeName();
    const value = opts[attr];
    if (cmd.getOptionValueSource(attr) === 'cli' && typeof value === 'string') out[id] = value;
  }
  return out;
}
