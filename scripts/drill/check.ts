// What an invariant answers, and the small helpers of their answers.
import type { DrillFacts } from './facts';

export interface Check {
  name: string;
  violations: number;
  detail: string;
  /** What did not hold, at length (printed after the table). */
  problems?: string[];
}

export type Invariant = (facts: DrillFacts) => Check | Promise<Check>;

/** A few examples for a table cell. */
export const sample = (list: string[]) => (list.length > 0 ? ` e.g. ${list.slice(0, 3).join('; ')}` : '');

/** One problem line naming what did not hold, or none. */
export const problemsOf = (what: string, list: string[]) => (list.length > 0 ? [`${what}: ${list.join(', ')}`] : []);
