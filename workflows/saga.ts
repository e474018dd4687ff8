// The saga's tools: a step beside its undo, the stack of undos, and the lock that keeps steps
// and changes of the order from interleaving. All plain deterministic code.
import { log, sleep } from '@temporalio/workflow';

/**
 * Thrown by an undo that can never succeed because the world moved on (the parcel left before
 * the carrier got the cancellation). Unwinding stops there; what is older stays done.
 */
export class UndoImpossible extends Error {
  override readonly name = 'UndoImpossible';
}

export interface Undo {
  /** Listed in the `undone` of `order.canceled` / `order.rejected`. */
  name: string;
  run: () => Promise<void>;
}

/**
 * One step of the saga and its undo, side by side (Medusa's `createStep(step, undo)`). The order
 * workflow's step runner registers the undo, marks the stage, keeps the step clear of changes of
 * the order and parks the order when the step fails in a way only an operator can fix.
 */
export interface Step<Stage extends string, T = unknown> {
  /** Names the step in parking reasons and events: 'payment authorization'. */
  name: string;
  stage: Stage;
  /** What the order waits for while the step runs, for operators. */
  waitingFor: string | (() => string);
  run: () => Promise<T>;
  /** Registered before the step runs, so a step cancelled half-way is undone too. */
  undo?: Undo;
  /**
   * How the step keeps clear of a change of lines or address (they share the StepLock):
   * 'throughout' holds the lock while it runs; 'at-start' lets changes accepted before it finish,
   * then runs (the guards refuse changes that would move what it uses).
   */
  exclusive?: 'throughout' | 'at-start';
  /** Park on a business failure too: once the goods have left there is nothing to undo instead. */
  parkOnBusinessFailure?: boolean;
}

/**
 * Undos, newest last. A step registers its undo *before* it runs, so a step cancelled half-way is
 * still undone (undos are idempotent: undoing what never happened changes nothing). `unwind` runs
 * them newest first, each exactly once.
 */
export class Compensations {
  private readonly stack: Undo[] = [];

  add(undo: Undo): void {
    if (this.stack.some((registered) => registered.name === undo.name)) return; // once, however often the step runs
    this.stack.push(undo);
  }

  /** The undo of a step that never ran after all (the step before it refused the order). */
  drop(name: string): void {
    const at = this.stack.findIndex((registered) => registered.name === name);
    if (at >= 0) this.stack.splice(at, 1);
  }

  /** Past the point of no return (the goods left): nothing can be undone any more. */
  discard(): void {
    this.stack.length = 0;
  }

  /**
   * Runs every undo, newest first, each until it succeeds. Call it inside
   * `CancellationScope.nonCancellable`: an undo half done must not be abandoned. Throws
   * UndoImpossible (and leaves the older undos registered) when an undo cannot be done.
   */
  async unwind(): Promise<string[]> {
    const undone: string[] = [];
    for (let next = this.stack.at(-1); next !== undefined; next = this.stack.at(-1)) {
      await untilSucceeded(next.name, next.run);
      this.stack.pop();
      undone.push(next.name);
    }
    return undone;
  }
}

const MAX_PAUSE_MS = 10 * 60 * 1000;

/**
 * Undo activities already retry without limit; this loop only catches what their retry policy
 * cannot (a non-retryable failure, a bug fixed by a later deploy) and keeps trying.
 */
async function untilSucceeded(name: string, fn: () => Promise<void>): Promise<void> {
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

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    const settle = () => undefined;
    this.tail = result.then(settle, settle);
    return result;
  }

  /** Resolves once everything that asked for the lock before has finished. */
  drain(): Promise<void> {
    return this.run(async () => undefined);
  }
}
