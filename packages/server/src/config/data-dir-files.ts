/**
 * Files the first run leaves in the data directory beside the store, owner-only (0600): the
 * generated admin token (read on later starts when no token is configured) and the export block
 * of the first credentials.
 */
import path from 'node:path';

export const GENERATED_ADMIN_TOKEN_FILE = 'admin_token';
export const CREDENTIALS_FILE = 'credentials.env';

export const generatedAdminTokenPath = (dataDir: string): string => path.join(dataDir, GENERATED_ADMIN_TOKEN_FILE);
/** Absolute: it is printed for the operator to source from anywhere. */
export const credentialsPath = (dataDir: string): string => path.resolve(dataDir, CREDENTIALS_FILE);
