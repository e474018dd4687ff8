// The dispatcher's one long activity: for about a Schedule interval it fans new feed events out,
// finds the endpoints with something due and starts their delivery workflows, then waits a poll
// interval and goes again. Looping here instead of in a workflow run per poll costs one
// PostgreSQL statement an idle poll, not a workflow start, three activities and their history. It
// heartbeats its counts: a worker that dies mid-run has it retried on another within the
// heartbeat timeout, to the same deadline, carrying on the counts; a worker shutting down fails it
// at once (the SDK's WORKER_SHUTDOWN cancellation), so the server retries it elsewhere soon.
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { DispatchInput, DispatchResult, StartDeliveries } from './contract';
import { dueWebhookEndpoints, fanOutWebhookEvents, webhookWorkWaiting } from './fan-out';

export async function dispatchWebhooks(dataSource: DataSource, startDeliveries: StartDeliveries, input: DispatchInput): Promise<DispatchResult> {
  const context = Context.current();
  const carried = context.info.heartbeatDetails as DispatchResult | undefined;
  const total: DispatchResult = { events: 0, deliveries: 0, started: 0, polls: 0, ...carried };
  for (;;) {
    const waiting = await webhookWorkWaiting(dataSource, input.maxStarts);
    const { events, deliveries } = waiting.newEvents ? await fanOutWebhookEvents(dataSource) : { events: 0, deliveries: 0 };
    const endpoints = deliveries > 0 ? await dueWebhookEndpoints(dataSource, input.maxStarts) : waiting.dueEndpoints;
    const started = endpoints.length === 0 ? 0 : await startDeliveries(endpoints, context.info.taskQueue);
    total.events += events;
    total.deliveries += deliveries;
    total.started += started;
    total.polls += 1;
    context.heartbeat(total);
    const left = input.until - Date.now();
    if (left <= 0) return total;
    // Rejects when the activity is cancelled (worker shutdown, run terminated): this attempt ends.
    await context.sleep(Math.min(input.pollMs, left));
  }
}
