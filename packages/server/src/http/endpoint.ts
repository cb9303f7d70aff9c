/**
 * The K2V endpoints of contract section 3, as a discriminated union produced by `route()`.
 */

export type Endpoint =
  | { kind: 'ReadItem'; bucket: string; pk: string; sk: string }
  | { kind: 'PollItem'; bucket: string; pk: string; sk: string; causalityToken: string; timeout: number | undefined }
  | { kind: 'InsertItem'; bucket: string; pk: string; sk: string }
  | { kind: 'DeleteItem'; bucket: string; pk: string; sk: string }
  | {
      kind: 'ReadIndex';
      bucket: string;
      prefix: string | undefined;
      start: string | undefined;
      end: string | undefined;
      limit: number | undefined;
      reverse: boolean | undefined;
    }
  | { kind: 'InsertBatch'; bucket: string }
  | { kind: 'ReadBatch'; bucket: string }
  | { kind: 'DeleteBatch'; bucket: string }
  | { kind: 'PollRange'; bucket: string; pk: string }
  | { kind: 'Options'; bucket: string };

export type EndpointKind = Endpoint['kind'];

/** The permission an endpoint needs (contract section 3); Options needs none. */
export const ENDPOINT_PERMISSION: Record<EndpointKind, 'read' | 'write' | 'none'> = {
  ReadItem: 'read',
  PollItem: 'read',
  InsertItem: 'write',
  DeleteItem: 'write',
  ReadIndex: 'read',
  InsertBatch: 'write',
  ReadBatch: 'read',
  DeleteBatch: 'write',
  PollRange: 'read',
  Options: 'none',
};
