// Creating a Schedule at a worker's start, or bringing an existing one up to date: one way for
// every Schedule the workers own (the legacy migration, the webhook dispatcher).
import { type Client, ScheduleAlreadyRunning, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';

/**
 * Creates the Schedule, or updates an existing one's spec, action and policies while keeping
 * whether it is paused and its note (pausing is the operator's call). Safe from several workers
 * at once: the one that loses the race to create updates instead.
 */
export async function upsertSchedule<W extends Workflow>(
  client: Client,
  options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<W>> & { policies: NonNullable<ScheduleOptions['policies']> },
): Promise<{ scheduleId: string; created: boolean }> {
  const { scheduleId, spec, action, policies } = options;
  try {
    await client.schedule.create<W>(options);
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update<W>((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return { scheduleId, created: false };
}
