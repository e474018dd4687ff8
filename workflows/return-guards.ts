// What a receive must look like, checked by the update's validator (in memory, nothing enters
// history when it is refused): each SKU of the return at most once, 0..requested units, a disposition.
import { RETURN_DISPOSITIONS, type ReceivedReturnLine, type RequestedReturnLine } from '../domain/returns';

export interface ReceiveProblem {
  pointer: string;
  detail: string;
}

export function receiveProblems(requested: readonly RequestedReturnLine[], received: readonly ReceivedReturnLine[]): ReceiveProblem[] {
  const asked = new Map(requested.map((l) => [l.sku, l.quantity]));
  const seen = new Set<string>();
  const problems: ReceiveProblem[] = [];
  if (received.length === 0) problems.push({ pointer: '/lines', detail: 'lines must name at least one returned SKU.' });
  received.forEach((line, i) => {
    const at = `/lines/${i}`;
    const max = asked.get(line.sku);
    if (max === undefined) problems.push({ pointer: `${at}/sku`, detail: `${line.sku} is not on this return.` });
    else if (seen.has(line.sku)) problems.push({ pointer: `${at}/sku`, detail: `${line.sku} appears twice.` });
    else if (!Number.isSafeInteger(line.receivedQuantity) || line.receivedQuantity < 0 || line.receivedQuantity > max) {
      problems.push({ pointer: `${at}/receivedQuantity`, detail: `receivedQuantity must be between 0 and ${max} (the units asked back).` });
    } else if (!(RETURN_DISPOSITIONS as readonly string[]).includes(line.disposition)) {
      problems.push({ pointer: `${at}/disposition`, detail: `disposition must be one of ${RETURN_DISPOSITIONS.join(', ')}.` });
    }
    seen.add(line.sku);
  });
  return problems;
}
