/** What every view gets from the shell. */
import type { Api } from '../api.js';
import type { Session } from '../session.js';
import type { ConfirmRequest } from '../ui.js';

export interface Ctx {
  readonly api: Api;
  readonly session: Session;
  /** Asks the user to confirm a destructive action (the dialog runs it). */
  readonly confirm: (req: ConfirmRequest) => void;
  /** Signed in with an access key: adds a bucket name to the session's list. */
  readonly addBucket: (name: string) => void;
}

/** Goes to a fragment, adding a history entry (the back button returns). */
export function go(hash: string): void {
  location.hash = hash;
}
