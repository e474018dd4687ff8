// The saga's two small tools: a stack of compensations and a lock that keeps steps and the
// updates that change an order's lines from interleaving. Both are plain deterministic code.
import { log, sleep } from '@temporalio/workflow';

/**
 * Thrown by an undo that can never succeed because the world moved on (the parcel left before
 * the carrier got the cancellation). Unwinding stops there; what is older stays done.
 */
export class UndoImpossible extends Error {
  override readonly name = 'UndoImpossible';
}

interface Compensation {
  name: string;
  undo: () => Promise<void>;
}

/**
 * Compensations, newest last. A step registers its compensation *before* it runs, so a step
 * cancelled half-way is still undone (compensations are idempotent: undoing what never happened
 * changes nothing). `unwind` runs them newest first, each exactly once.
 */
export class Compensations {
  private readonly stack: Compensation[] = [];

  add(name: string, undo: () => Promise<void>): void {
    if (this.stack.some((c) => c.name === name)) return; // registered once, however often the step is repeated
    this.stack.push({ name, undo });
  }

  get names(): string[] {
    return this.stack.map((c) => c.name);
  }

  /** Past the point of no return (the goods left): nothing can be undone any more. */
  discard(): void {
    this.stack.length = 0;
  }

  /**
   * Runs every compensation, newest first, each until it succeeds. Call it inside
   * `CancellationScope.nonCancellable`: an undo half done must not be abandoned. Throws
   * UndoImpossible (and leaves the older compensations registered) when an undo cannot be done.
   */
  async unwind(): Promise<string[]> {
    const undone: string[] = [];
    for (let next = this.stack.at(-1); next !== undefined; next = this.stack.at(-1)) {
      await untilSucceeded(next.name, next.undo);
      this.stack.pop();
      undone.push(next.name);
    }
    return undone;
  }
}

const MAX_PAUSE_MS = 10 * 60 * 1000;

/**
 * Activities used here already retry without limit; this loop only catches what their retry
 * policy cannot (a non-retryable failure, a bug fixed by a later deploy) and keeps trying.
 */
export async function untilSucceeded(name: string, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (err instanceof UndoImpossible) throw err;
      log.error('compensation failed; trying again', { compensation: name, attempt, error: String(err) });
      await sleep(Math.min(1000 * 2 ** attempt, MAX_PAUSE_MS));
    }
  }
}

/**
 * A FIFO lock: whoever asked first runs next, alone. Promise chaining is deterministic, so the
 * order survives replay. Callbacks run in the cancellation scope of the caller.
 */
export class StepLock {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  get busy(): boolean {
    return this.holders > 0;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.holders++;
    const result = this.tail.then(fn);
    const settle = () => {
      this.holders--;
    };
    this.tail = result.then(settle, settle);
    return result;
  }
}
