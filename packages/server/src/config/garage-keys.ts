/**
 * The keys of Garage v1.2's configuration file (garage `src/util/config.rs`, and
 * `doc/book/reference-manual/configuration.md`) that mean nothing for a K2V server: the object
 * store, the cluster (RPC, replication, discovery), the S3 and web APIs. A `garage.toml` holding
 * them is accepted; they are listed once in the log as ignored. The Garage keys that do apply are
 * rows of the settings table.
 */

/** Top-level keys. */
export const IGNORED_GARAGE_KEYS: ReadonlySet<string> = new Set([
  'data_dir',
  'data_fsync',
  'disable_scrub',
  'use_local_tz',
  'metadata_snapshots_dir',
  'metadata_auto_snapshot_interval',
  'block_size',
  'block_ram_buffer_max',
  'replication_factor',
  'replication_mode',
  'consistency_mode',
  'compression_level',
  'rpc_secret',
  'rpc_secret_file',
  'rpc_bind_addr',
  'rpc_bind_outgoing',
  'rpc_public_addr',
  'rpc_public_addr_subnet',
  'rpc_ping_timeout_msec',
  'rpc_timeout_msec',
  'bootstrap_peers',
  'allow_punycode',
]);

/** Sections ignored whole. */
export const IGNORED_GARAGE_SECTIONS: ReadonlySet<string> = new Set(['s3_web', 'consul_discovery', 'kubernetes_discovery']);

/** Keys of the sections K2V reads that it does not use, by section. */
export const IGNORED_GARAGE_SECTION_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  s3_api: new Set(['api_bind_addr', 'root_domain']),
  k2v_api: new Set<string>(),
  admin: new Set(['trace_sink']),
};
