/**
 * The configuration loader: precedence (flag > environment > file > default) for every setting,
 * a garage.toml read as it is, token files, and every refused configuration as one ConfigError
 * naming the key.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { renderConfig } from '../../src/config/render-config.js';
import { PRODUCT_PAGE_CONFIG, tempDir } from './support.js';

const tmp = tempDir();
after(() => tmp.remove());

/** A data dir that exists and holds nothing, so no generated token is found. */
const emptyDataDir = fs.mkdtempSync(path.join(tmp.dir, 'data-'));

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

describe('defaults', () => {
  test('no environment, no file: the documented defaults', () => {
    // (the data dir is given, so that a ./k2v-data left in the working directory cannot matter)
    const { config, settings } = loadConfig({ flags: { dataDir: emptyDataDir }, env: {} });
    assert.deepEqual(config, { ...DEFAULT_CONFIG, dataDir: emptyDataDir });
    assert.equal(settings.sources.region, 'default');
    assert.equal(settings.sources.adminToken, undefined);
    assert.equal(settings.file, undefined);
  });
});

describe('precedence: flag > environment > file > default', () => {
  const file = tmp.file(
    'layers.toml',
    `metadata_dir = "${emptyDataDir}"
lmdb_map_size = "2GiB"
[k2v_api]
api_bind_addr = "127.0.0.1:7001"
[s3_api]
s3_region = "from-file"
[k2v_server]
max_connections = 11
max_connections_per_ip = 3
tombstone_gc_delay = 60
log_level = "debug"
`,
  );

  test('the file beats the default', () => {
    const { config, settings } = loadConfig({ flags: { config: file }, env: {} });
    assert.equal(config.k2vBind, '127.0.0.1:7001');
    assert.equal(config.region, 'from-file');
    assert.equal(config.mapSizeBytes, 2 * 2 ** 30);
    assert.equal(config.connections.maxConnections, 11);
    assert.equal(config.connections.maxConnectionsPerIp, 3);
    assert.equal(config.tombstoneGcDelayMs, 60_000);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.adminBind, DEFAULT_CONFIG.adminBind, 'not in the file: default');
    assert.equal(settings.sources.k2vBind, 'file');
    assert.equal(settings.sources.adminBind, 'default');
  });

  test('the environment beats the file; K2V_CONFIG names the file', () => {
    const { config, settings } = loadConfig({
      flags: {},
      env: { K2V_CONFIG: file, K2V_K2V_BIND: '127.0.0.1:7002', K2V_MAX_CONNECTIONS: '12', K2V_MAP_SIZE: '1024' },
    });
    assert.equal(config.k2vBind, '127.0.0.1:7002');
    assert.equal(config.connections.maxConnections, 12);
    assert.equal(config.mapSizeBytes, 1024 * 2 ** 20, 'a plain --map-size / K2V_MAP_SIZE is MiB');
    assert.equal(config.region, 'from-file');
    assert.equal(settings.sources.k2vBind, 'env');
    assert.equal(settings.file?.path, file);
  });

  test('a flag beats the environment; --config beats K2V_CONFIG', () => {
    const other = tmp.file('other.toml', '[s3_api]\ns3_region = "other"\n');
    const { config, settings } = loadConfig({
      flags: { config: other, k2vBind: '127.0.0.1:7003', maxConnections: '13' },
      env: { K2V_CONFIG: file, K2V_K2V_BIND: '127.0.0.1:7002', K2V_MAX_CONNECTIONS: '12' },
    });
    assert.equal(config.k2vBind, '127.0.0.1:7003');
    assert.equal(config.connections.maxConnections, 13);
    assert.equal(config.region, 'other');
    assert.equal(settings.sources.k2vBind, 'flag');
  });

  test('an empty environment variable is unset', () => {
    const { config } = loadConfig({ flags: { dataDir: emptyDataDir }, env: { K2V_REGION: '', K2V_ADMIN_TOKEN: '' } });
    assert.equal(config.region, 'garage');
    assert.equal(config.adminToken, undefined);
  });
});

describe('a garage.toml is read as it is', () => {
  test('the product page example: its keys take their Garage meaning, the rest is listed once as ignored', () => {
    const file = tmp.file('garage.toml', PRODUCT_PAGE_CONFIG);
    const loaded = loadConfig({ flags: { config: file }, env: {} });
    assert.equal(loaded.config.dataDir, '/var/lib/garage/meta');
    assert.equal(loaded.config.dbEngine, 'lmdb');
    assert.equal(loaded.config.k2vBind, '[::]:3902');
    assert.equal(loaded.config.region, 'garage');
    assert.equal(loaded.config.adminBind, DEFAULT_CONFIG.adminBind);
    assert.deepEqual(loaded.settings.file?.ignored, ['data_dir', 'replication_factor', 'rpc_secret', '[s3_api] api_bind_addr']);
    assert.deepEqual(loaded.settings.file?.unknown, []);
    const ignoredNotices = loaded.notices.filter((n) => n.msg.includes('ignored'));
    assert.equal(ignoredNotices.length, 1, 'listed once');
    assert.ok(!JSON.stringify(loaded.notices).includes('your-rpc-secret'), 'an ignored secret is named, never shown');
  });

  test('[admin]: api_bind_addr, admin_token, metrics_token; trace_sink and [s3_web] are ignored', () => {
    const file = tmp.file(
      'admin.toml',
      `metadata_dir = "${emptyDataDir}"
[admin]
api_bind_addr = "0.0.0.0:3903"
admin_token = "adm1n"
metrics_token = "m3trics"
trace_sink = "http://localhost:4317"
[s3_web]
bind_addr = "[::]:3902"
root_domain = ".web.garage"
`,
    );
    const loaded = loadConfig({ flags: { config: file }, env: {} });
    assert.equal(loaded.config.adminBind, '0.0.0.0:3903');
    assert.equal(loaded.config.adminToken, 'adm1n');
    assert.equal(loaded.config.metricsToken, 'm3trics');
    assert.equal(loaded.adminTokenFrom, 'file');
    assert.deepEqual(loaded.settings.file?.ignored, ['[admin] trace_sink', '[s3_web]']);
  });

  test('keys nobody knows outside [k2v_server] are logged as unknown, not refused', () => {
    const file = tmp.file('unknown.toml', 'metdata_dir = "/typo"\n[admin]\napi_bind = "x"\n[future]\nx = 1\n');
    const loaded = loadConfig({ flags: { config: file }, env: {} });
    assert.deepEqual(loaded.settings.file?.unknown, ['metdata_dir', '[admin] api_bind', '[future]']);
    assert.ok(loaded.notices.some((n) => n.level === 'warn' && n.msg.includes('unknown')));
  });

  test('lmdb_map_size as Garage: bytes, or a size with a unit', () => {
    assert.equal(loadConfig({ flags: { config: tmp.file('m1.toml', 'lmdb_map_size = 1073741824\n') }, env: {} }).config.mapSizeBytes, 2 ** 30);
    assert.equal(loadConfig({ flags: { config: tmp.file('m2.toml', 'lmdb_map_size = "1T"\n') }, env: {} }).config.mapSizeBytes, 1e12);
    assert.equal(loadConfig({ flags: { config: tmp.file('m3.toml', 'lmdb_map_size = "512MiB"\n') }, env: {} }).config.mapSizeBytes, 512 * 2 ** 20);
    assert.equal(loadConfig({ flags: { mapSize: '8GiB' }, env: {} }).config.mapSizeBytes, 8 * 2 ** 30);
  });
});

describe('metadata_fsync', () => {
  test('false is not honoured: the config stays durable and the log says so', () => {
    const loaded = loadConfig({ flags: { config: tmp.file('nofsync.toml', 'metadata_fsync = false\n') }, env: {} });
    assert.ok(loaded.notices.some((n) => n.level === 'warn' && /always syncs/.test(n.msg)));
    assert.match(renderConfig(loaded), /metadata_fsync = false {2}# file \(not honoured: writes are always synced\)/);
  });

  test('left out (Garage default false) or true: no warning', () => {
    for (const text of ['', 'metadata_fsync = true\n']) {
      const loaded = loadConfig({ flags: { config: tmp.file('fsync.toml', text) }, env: {} });
      assert.deepEqual(
        loaded.notices.filter((n) => /fsync/.test(n.msg)),
        [],
      );
    }
  });
});

describe('tokens', () => {
  test('a token file: its content without trailing whitespace', () => {
    const tokenFile = tmp.file('admin-token', 'the-token\n\n');
    assert.equal(loadConfig({ flags: { adminTokenFile: tokenFile }, env: {} }).config.adminToken, 'the-token');
    const metrics = tmp.file('metrics-token', 'metrics \n');
    const file = tmp.file('tf.toml', `[admin]\nmetrics_token_file = "${metrics}"\n`);
    assert.equal(loadConfig({ flags: { config: file }, env: {} }).config.metricsToken, 'metrics');
  });

  test('the first layer that sets a token or its file wins: a flag token beats a file token file', () => {
    const tokenFile = tmp.file('admin-token-2', 'from-file\n');
    const file = tmp.file('tf2.toml', `[admin]\nadmin_token_file = "${tokenFile}"\n`);
    const loaded = loadConfig({ flags: { config: file, adminToken: 'from-flag' }, env: { K2V_ADMIN_TOKEN: 'from-env' } });
    assert.equal(loaded.config.adminToken, 'from-flag');
    assert.equal(loaded.adminTokenFrom, 'flag');
    assert.equal(loadConfig({ flags: { config: file }, env: { K2V_ADMIN_TOKEN: 'from-env' } }).config.adminToken, 'from-env');
    assert.equal(loadConfig({ flags: { config: file }, env: {} }).config.adminToken, 'from-file');
  });

  test('without a configured token, the first run token of the data dir is used', () => {
    const dataDir = fs.mkdtempSync(path.join(tmp.dir, 'generated-'));
    fs.writeFileSync(path.join(dataDir, 'admin_token'), 'generated\n', { mode: 0o600 });
    const loaded = loadConfig({ flags: { dataDir }, env: {} });
    assert.equal(loaded.config.adminToken, 'generated');
    assert.equal(loaded.adminTokenFrom, 'data dir');
    assert.equal(loadConfig({ flags: { dataDir, adminToken: 'configured' }, env: {} }).config.adminToken, 'configured');
  });

  test('--check-config masks every secret', () => {
    const file = tmp.file('secrets.toml', `metadata_dir = "${emptyDataDir}"\n[admin]\nadmin_token = "s3cr3t-admin"\n`);
    const text = renderConfig(loadConfig({ flags: { config: file }, env: { K2V_METRICS_TOKEN: 's3cr3t-metrics' } }));
    assert.ok(!text.includes('s3cr3t'), text);
    assert.match(text, /^admin_token = "\*{8}" {2}# file$/m);
    assert.match(text, /^metrics_token = "\*{8}" {2}# env$/m);
  });
});

describe('refused, with one line naming the key and why', () => {
  const cases: [string, string, RegExp][] = [
    ['TOML syntax', 'metadata_dir = "unterminated\n', /syntax\.toml:1:\d+: TOML syntax error/],
    ['TOML syntax: a key twice', 'db_engine = "lmdb"\ndb_engine = "lmdb"\n', /dup\.toml:2:\d+: TOML syntax error/],
    ['unknown key in [k2v_server]', '[k2v_server]\nmax_conections = 3\n', /\[k2v_server\] max_conections: unknown key \(the keys of \[k2v_server\] are .*max_connections/],
    ['[k2v_server] not a section', 'k2v_server = 3\n', /k2v_server: expected a section/],
    ['wrong type: a number for a path', 'metadata_dir = 3\n', /metadata_dir: expected a string, got number 3/],
    ['wrong type: a string for a number', '[k2v_server]\nmax_connections = "many"\n', /\[k2v_server\] max_connections: expected a whole number, got the string "many"/],
    ['wrong type: a float for a number', '[k2v_server]\nmax_connections = 1.5\n', /\[k2v_server\] max_connections: expected a whole number/],
    ['out of range', '[k2v_server]\nmax_connections = 0\n', /\[k2v_server\] max_connections: must be at least 1/],
    ['wrong type: a boolean', 'metadata_fsync = "no"\n', /metadata_fsync: expected true or false/],
    ['bad address', '[k2v_api]\napi_bind_addr = "localhost"\n', /\[k2v_api\] api_bind_addr: 'localhost' is not HOST:PORT/],
    ['bad log level', '[k2v_server]\nlog_level = "loud"\n', /\[k2v_server\] log_level: expected one of "fatal"/],
    ['db_engine postgres without postgres_url', 'db_engine = "postgres"\n', /db_engine: "postgres" needs a PostgreSQL URL/],
    ['db_engine sqlite', 'db_engine = "sqlite"\n', /db_engine: SQLite is a Garage engine that K2V does not have/],
    ['db_engine anything else', 'db_engine = "rocks"\n', /db_engine: expected one of "lmdb", "postgres", got "rocks"/],
    ['unreadable token file', '[admin]\nadmin_token_file = "/nonexistent/token"\n', /\[admin\] admin_token_file: cannot read \/nonexistent\/token: no such file/],
    ['a token and its file', '[admin]\nadmin_token = "a"\nadmin_token_file = "/x"\n', /\[admin\] admin_token: set it or .*\[admin\] admin_token_file, not both/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, () => {
      const name = what.startsWith('TOML syntax:') ? 'dup.toml' : what === 'TOML syntax' ? 'syntax.toml' : 'bad.toml';
      const file = tmp.file(name, text);
      refused(() => loadConfig({ flags: { config: file }, env: {} }), pattern);
    });
  }

  test('a token file that group or others can read (unless allow_world_readable_secrets)', () => {
    const token = tmp.file('open-token', 'tok\n', 0o644);
    const file = tmp.file('open.toml', `[admin]\nmetrics_token_file = "${token}"\n`);
    refused(() => loadConfig({ flags: { config: file }, env: {} }), /\[admin\] metrics_token_file: .*open-token can be read by group or others \(mode 0644\)/);
    const allowed = tmp.file('allowed.toml', `allow_world_readable_secrets = true\n[admin]\nmetrics_token_file = "${token}"\n`);
    assert.equal(loadConfig({ flags: { config: allowed }, env: {} }).config.metricsToken, 'tok');
    assert.equal(loadConfig({ flags: { config: file }, env: { K2V_ALLOW_WORLD_READABLE_SECRETS: 'true' } }).config.metricsToken, 'tok');
  });

  test('an empty token file', () => {
    const token = tmp.file('empty-token', '\n');
    refused(() => loadConfig({ flags: { adminTokenFile: token }, env: {} }), /--admin-token-file: .*empty-token is empty/);
  });

  test('a missing configuration file', () => {
    refused(() => loadConfig({ flags: {}, env: { K2V_CONFIG: '/nonexistent.toml' } }), /cannot read the configuration file \/nonexistent\.toml: no such file/);
  });

  test('a bad flag or environment value names the flag or the variable', () => {
    refused(() => loadConfig({ flags: { maxConnections: 'x' }, env: {} }), /^--max-connections: expected a whole number, got "x"$/);
    refused(() => loadConfig({ flags: { mapSize: '0' }, env: {} }), /^--map-size: must be at least 1MiB$/);
    refused(() => loadConfig({ flags: {}, env: { K2V_LOG_FORMAT: 'xml' } }), /^environment variable K2V_LOG_FORMAT: expected one of "json", "pretty", got "xml"$/);
    refused(() => loadConfig({ flags: { dbEngine: 'postgres' }, env: {} }), /^--db-engine: "postgres" needs a PostgreSQL URL/);
  });
});

describe('TLS files per listener (settings rows under [k2v_server])', () => {
  test('both files of a pair, from any layers, give the listener its TLS files', () => {
    const file = tmp.file('tls.toml', `metadata_dir = "${emptyDataDir}"\n[k2v_server]\nk2v_tls_cert_file = "/c/k2v.crt"\nadmin_tls_key_file = "/c/admin.key"\n`);
    const { config } = loadConfig({
      flags: { config: file, k2vTlsKeyFile: '/flag/k2v.key' },
      env: { K2V_ADMIN_TLS_CERT_FILE: '/env/admin.crt' },
    });
    assert.deepEqual(config.k2vTls, { certFile: '/c/k2v.crt', keyFile: '/flag/k2v.key' });
    assert.deepEqual(config.adminTls, { certFile: '/env/admin.crt', keyFile: '/c/admin.key' });
  });

  test('flag > environment > file for a TLS file', () => {
    const file = tmp.file('tls2.toml', `metadata_dir = "${emptyDataDir}"\n[k2v_server]\nk2v_tls_cert_file = "/file.crt"\nk2v_tls_key_file = "/file.key"\n`);
    const { config } = loadConfig({ flags: { config: file, k2vTlsCertFile: '/flag.crt' }, env: { K2V_K2V_TLS_CERT_FILE: '/env.crt', K2V_K2V_TLS_KEY_FILE: '/env.key' } });
    assert.deepEqual(config.k2vTls, { certFile: '/flag.crt', keyFile: '/env.key' });
  });

  test('half a pair is refused, naming the key given and the one missing', () => {
    const file = tmp.file('tls3.toml', `metadata_dir = "${emptyDataDir}"\n[k2v_server]\nadmin_tls_cert_file = "/c.crt"\n`);
    refused(() => loadConfig({ flags: { config: file }, env: {} }), /tls3\.toml: \[k2v_server\] admin_tls_cert_file: needs its pair, \[k2v_server\] admin_tls_key_file \(K2V_ADMIN_TLS_KEY_FILE or --admin-tls-key-file\)/);
    refused(() => loadConfig({ flags: { dataDir: emptyDataDir }, env: { K2V_K2V_TLS_KEY_FILE: '/k.key' } }), /^environment variable K2V_K2V_TLS_KEY_FILE: needs its pair, \[k2v_server\] k2v_tls_cert_file/);
  });

  test('no TLS setting: plain HTTP on both listeners', () => {
    const { config } = loadConfig({ flags: { dataDir: emptyDataDir }, env: {} });
    assert.equal(config.k2vTls, undefined);
    assert.equal(config.adminTls, undefined);
  });
});

describe('console_origins', () => {
  test('an array in the file, a comma-separated list in the environment or a flag; the flag wins', () => {
    const f = tmp.file('origins.toml', '[k2v_server]\nconsole_origins = ["https://k2v-admin.example.com", "http://10.0.0.5:8080"]\n');
    assert.deepEqual(loadConfig({ flags: { config: f, dataDir: emptyDataDir }, env: {} }).config.consoleOrigins, ['https://k2v-admin.example.com', 'http://10.0.0.5:8080']);
    assert.deepEqual(
      loadConfig({ flags: { config: f, dataDir: emptyDataDir }, env: { K2V_CONSOLE_ORIGINS: 'https://a.example, https://b.example:4443' } }).config.consoleOrigins,
      ['https://a.example', 'https://b.example:4443'],
    );
    assert.deepEqual(loadConfig({ flags: { config: f, dataDir: emptyDataDir, consoleOrigins: 'https://c.example' }, env: {} }).config.consoleOrigins, ['https://c.example']);
    assert.deepEqual(loadConfig({ flags: { dataDir: emptyDataDir }, env: {} }).config.consoleOrigins, [], 'none by default');
  });

  test('anything but an origin as a browser sends it is refused, naming the key', () => {
    for (const bad of ['https://a.example/', 'https://a.example/console', 'ftp://a.example', 'a.example', 'https://a.example:443']) {
      refused(() => loadConfig({ flags: { dataDir: emptyDataDir }, env: { K2V_CONSOLE_ORIGINS: bad } }), /K2V_CONSOLE_ORIGINS/);
    }
    const f = tmp.file('origins-bad.toml', '[k2v_server]\nconsole_origins = "https://a.example"\n');
    refused(() => loadConfig({ flags: { config: f, dataDir: emptyDataDir }, env: {} }), /console_origins.*array/);
  });
});
