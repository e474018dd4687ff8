// The API's calls to return workflows, under the same deadline as every Temporal call
// (temporal-calls.ts), and how their failures read over HTTP: a refused request 422 with the
// field, a receive or cancel in the wrong status 409, Temporal away 503.
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { returnWorkflowId } from '../domain/ids';
import type { ReceivedReturnLine } from '../domain/returns';
import {
  cancelReturnUpdate,
  receiveReturnUpdate,
  requestReturnUpdate,
  RETURN_WORKFLOW_TYPE,
  type ReturnState,
  ReturnUpdateFailure,
  type ReturnWorkflowInput,
  returnWorkflowStartOptions,
} from '../workflows/return-definitions';
import { ApiError, errors } from './errors';
import { clientAddingCause } from './request-cause-header';
import { isUnavailable, withTemporalDeadline } from './temporal-calls';

interface Problem {
  pointer: string;
  detail: string;
  code?: string;
}

/** A return problem as an HTTP error: order-level ones name the path's id, line-level ones the body field. */
export function returnProblemError(problem: Problem): ApiError {
  if (problem.pointer === '/orderId') {
    return new ApiError(422, problem.code ?? 'invalid_return', 'Unprocessable entity', problem.detail, { parameter: 'id' });
  }
  return errors.unprocessable(problem.code ?? 'invalid_return', problem.detail, `/data/attributes${problem.pointer}`);
}

export class ReturnWorkflows {
  private readonly client: Client;

  constructor(
    client: Client,
    private readonly options: { taskQueue: string; timeoutMs: number },
  ) {
    this.client = clientAddingCause(client);
  }

  /** Update-with-start; `finished` when the workflow of this id ended already (answer from the projection). */
  async request(input: ReturnWorkflowInput, updateId: string): Promise<ReturnState | 'finished'> {
    const startWorkflowOperation = new WithStartWorkflowOperation(RETURN_WORKFLOW_TYPE, returnWorkflowStartOptions(input, this.options.taskQueue));
    try {
      return await this.call(input.returnId, () => this.client.workflow.executeUpdateWithStart(requestReturnUpdate, { updateId, startWorkflowOperation }));
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'finished';
      throw err;
    }
  }

  receive(returnId: string, lines: ReceivedReturnLine[]): Promise<ReturnState> {
    return this.call(returnId, () => this.handle(returnId).executeUpdate(receiveReturnUpdate, { args: [{ lines }] }));
  }

  cancel(returnId: string): Promise<ReturnState> {
    return this.call(returnId, () => this.handle(returnId).executeUpdate(cancelReturnUpdate));
  }

  private handle(returnId: string) {
    return this.client.workflow.getHandle(returnWorkflowId(returnId));
  }

  private async call<T>(returnId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTemporalDeadline(this.client, this.options.timeoutMs, fn);
    } catch (err) {
      throw returnFailureToApiError(err, returnId);
    }
  }
}

function returnFailureToApiError(err: unknown, returnId: string): unknown {
  if (err instanceof ApiError || err instanceof WorkflowExecutionAlreadyStartedError) return err;
  // The routes found the return in the projection first: a workflow not found there has finished.
  if (err instanceof WorkflowNotFoundError) return errors.conflict('return_finished', `Return ${returnId} is finished; it cannot change any more.`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    const problems = (Array.isArray(cause.details?.[0]) ? cause.details[0] : []) as Problem[];
    if (cause.type === ReturnUpdateFailure.Rejected || cause.type === ReturnUpdateFailure.InvalidReceive) {
      return returnProblemError(problems[0] ?? { pointer: '/lines', detail: cause.message });
    }
    return errors.conflict('illegal_transition', cause.message);
  }
  if (isUnavailable(err)) return errors.unavailable('The return service did not answer in time; try again shortly.', 2);
  return err;
}
