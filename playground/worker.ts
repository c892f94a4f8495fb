/**
 * The playground's worker: the page's requests are answered by
 * playground/session.ts off the page's thread, so typing never waits for a
 * compile or a run.
 */
import { handle } from './session.ts';
import type { Reply, Request } from './protocol.ts';

/** The worker scope, typed just as far as it is used (the page's tsconfig has the DOM library, not WebWorker's). */
const scope = self as unknown as { postMessage(m: Reply): void; onmessage: ((e: MessageEvent<Request>) => void) | null };

// Requests are handled one at a time, in order (the page sends a compile only when the previous one has answered).
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  const req = e.data;
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = await handle(req);
    } catch (err) {
      reply = { kind: 'failed', id: req.id, what: req.kind, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    }
    scope.postMessage(reply);
  });
};
scope.postMessage({ kind: 'ready' });
