/**
 * Reading the TOML configuration file (smol-toml, TOML 1.0) into setting values, with the keys it
 * ignores (Garage keys that do not apply here) and the keys nobody knows. Every problem is a
 * `ConfigError` of one line naming the file and the key.
 */
import fs from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { BadValue, ConfigError, ioReason } from './config-error.js';
import { IGNORED_GARAGE_KEYS, IGNORED_GARAGE_SECTION_KEYS, IGNORED_GARAGE_SECTIONS } from './garage-keys.js';
import { OWN_SECTION, row, SETTING_IDS, type SettingId, type SettingValues } from './settings.js';

export interface FileSettings {
  readonly path: string;
  readonly values: Partial<SettingValues>;
  /** Garage keys that do not apply to K2V, as `key`, `[section] key` or `[section]`. */
  readonly ignored: readonly string[];
  /** Keys that are neither Garage's nor ours (outside our own section, where they are errors). */
  readonly unknown: readonly string[];
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** `metadata_dir` or `[admin] admin_token`, as an operator reads the file. */
export function tomlKeyName(toml: string): string {
  const dot = toml.indexOf('.');
  return dot < 0 ? toml : `[${toml.slice(0, dot)}] ${toml.slice(dot + 1)}`;
}

export function readConfigFile(file: string): FileSettings {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the configuration file ${file}: ${ioReason(err)}`);
  }
  let doc: Table;
  try {
    doc = parse(source) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message has the source excerpt after its first line.
    const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new ConfigError(`${file}:${err.line}:${err.column}: TOML syntax error: ${reason}`);
  }
  return settingsOf(doc, file);
}

function settingsOf(doc: Table, file: string): FileSettings {
  const byKey = new Map<string, SettingId>();
  for (const id of SETTING_IDS) {
    const toml = row(id).toml;
    if (toml !== undefined) byKey.set(toml, id);
  }
  const values: Partial<Record<SettingId, unknown>> = {};
  const ignored: string[] = [];
  const unknown: string[] = [];
  const read = (id: SettingId, toml: string, value: unknown) => {
    try {
      values[id] = row(id).type.fromToml(value);
    } catch (err) {
      if (err instanceof BadValue) throw new ConfigError(`${file}: ${tomlKeyName(toml)}: ${err.message}`);
      throw err;
    }
  };

  for (const [key, value] of Object.entries(doc)) {
    const id = byKey.get(key);
    if (id !== undefined) {
      read(id, key, value);
      continue;
    }
    const sectionKeys = IGNORED_GARAGE_SECTION_KEYS[key];
    if (key === OWN_SECTION || sectionKeys !== undefined) {
      if (!isTable(value)) throw new ConfigError(`${file}: ${key}: expected a section [${key}]`);
      for (const [sub, v] of Object.entries(value)) {
        const toml = `${key}.${sub}`;
        const subId = byKey.get(toml);
        if (subId !== undefined) read(subId, toml, v);
        else if (key === OWN_SECTION) throw new ConfigError(`${file}: ${tomlKeyName(toml)}: unknown key (${ownKeys()})`);
        else if (sectionKeys!.has(sub)) ignored.push(tomlKeyName(toml));
        else unknown.push(tomlKeyName(toml));
      }
    } else if (IGNORED_GARAGE_SECTIONS.has(key)) {
      ignored.push(`[${key}]`);
    } else if (IGNORED_GARAGE_KEYS.has(key)) {
      ignored.push(key);
    } else {
      unknown.push(isTable(value) ? `[${key}]` : key);
    }
  }
  return { path: file, values: values as Partial<SettingValues>, ignored, unknown };
}

function ownKeys(): string {
  const prefix = `${OWN_SECTION}.`;
  const keys = SETTING_IDS.map((id) => row(id).toml).filter((t): t is string => t?.startsWith(prefix) === true);
  return `the keys of [${OWN_SECTION}] are ${keys.map((k) => k.slice(prefix.length)).join(', ')}`;
}
