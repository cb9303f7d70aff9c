/**
 * Ends responses at the end of the event-loop turn rather than at once, all together.
 *
 * Why: on loopback (the usual place of a K2V client next to its server, and the benchmark's
 * setting), each response written to a sleeping client costs the server the client's wake-up:
 * the kernel runs the receiver's TCP path inline and interrupts the client's CPU. Answering every
 * request of one turn back to back wakes a client once per turn instead of once per response;
 * measured on a 2-vCPU VM with a bare server spending 20 µs per request: +42 % requests/s.
 * The delay is one event-loop phase (the responses go out in the same turn's check phase).
 */

/** What is needed of a response, HTTP/1 or HTTP/2 (the HTTP/2 one has no `destroyed`). */
interface Response {
  readonly destroyed?: boolean;
  end(body?: string | Uint8Array): unknown;
  destroy(): unknown;
}

let queue: Array<Response | string | Uint8Array | undefined> = [];

function flush(): void {
  const q = queue;
  queue = [];
  for (let i = 0; i < q.length; i += 2) {
    const res = q[i] as Response;
    // (Ending an HTTP/2 response whose stream is gone is a no-op.)
    if (res.destroyed === true) continue;
    try {
      res.end(q[i + 1] as string | Uint8Array | undefined);
    } catch {
      // One broken response must not keep the others of the turn from going out.
      res.destroy();
    }
  }
}

/** `res.end(body)`, in this turn's check phase together with every other response of the turn. */
export function endLater(res: Response, body?: string | Uint8Array): void {
  if (queue.length === 0) setImmediate(flush);
  queue.push(res, body);
}
