// The pure domain layer: safe to import from workflow code (no I/O, no Node built-ins).
export * from './money';
export * from './pricing';
export * from './order-status';
export * from './order';
export * from './ids';
export * from './events';
export * from './failures';
export * from './storefronts';
export * from './payment-ledger';
export * from './document-numbers';
export * from './returns';
