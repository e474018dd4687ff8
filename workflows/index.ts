// The workflow bundle's entry point: every exported function is registered as a workflow type.
export { orderWorkflow } from './order';
export { migrationWorkflow } from './migration';
export { returnWorkflow } from './return';
export { webhookDispatchWorkflow, webhookEndpointWorkflow } from './webhooks';
