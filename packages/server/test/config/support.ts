/**
 * Temporary files for the configuration tests: a directory per test file, TOML and token files
 * written with the modes the tests need.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(): { dir: string; file(name: string, content: string, mode?: number): string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-config-'));
  return {
    dir,
    file(name, content, mode = 0o600) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      fs.chmodSync(p, mode);
      return p;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The K2V section of Garage's documentation (the product page), verbatim. */
export const PRODUCT_PAGE_CONFIG = `metadata_dir = "/var/lib/garage/meta"
data_dir = "/var/lib/garage/data"
db_engine = "lmdb"

replication_factor = 3
rpc_secret = "your-rpc-secret"

# S3 API configuration
[s3_api]
api_bind_addr = "[::]:3900"
s3_region = "garage"

# K2V API configuration
[k2v_api]
api_bind_addr = "[::]:3902"
`;
