/** `k2v-client/admin`: a client of the admin API v1 (keys, buckets, permissions, aliases). */
export { AdminApiError, AdminClient } from './admin-client.js';
export type { AdminCallOptions, AdminClientOptions, PermissionChange } from './admin-client.js';
export type * from './wire.js';
