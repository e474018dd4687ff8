// Heartbeats and cancellation for step activities. Outside a Temporal activity (tests calling
// the functions directly, scripts) there is no context and these quietly do nothing.
import { asyncLocalStorage } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 1000;

export function heartbeat(details?: unknown): void {
  const context = asyncLocalStorage.getStore();
  // Local activities have no heartbeats: the workflow task they run in is their liveness.
  if (context && !context.info.isLocal) context.heartbeat(details);
}

/**
 * Stops a step before its side effect when the workflow asked to cancel it (the request
 * arrives with a heartbeat response). Never called after the effect: an effect that happened
 * must be recorded, or its compensation would find nothing to undo.
 */
export function throwIfCancelled(): void {
  asyncLocalStorage.getStore()?.cancellationSignal.throwIfAborted();
}

/**
 * Heartbeats while a slow call (a provider round trip) runs, so the heartbeat timeout holds. The
 * first one goes after a second, not at the start: the SDK sends a first heartbeat at once, and
 * for a call of milliseconds it only cost the server a write per activity (the heartbeat timeout
 * counts from the start without one, and a cancelled step that finished is undone as usual).
 */
export async function whileHeartbeating<T>(step: string, call: () => Promise<T>): Promise<T> {
  if (!asyncLocalStorage.getStore()) return call();
  const timer = setInterval(() => heartbeat({ step }), HEARTBEAT_EVERY_MS);
  try {
    return await call();
  } finally {
    clearInterval(timer);
  }
}
