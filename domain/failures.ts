// Business failures: outcomes retrying cannot change. Activities throw them as non-retryable
// Temporal ApplicationFailures with these types; the workflow rejects the order on them and the
// API uses the same names as error codes. Anything else is a technical failure and is retried.

export const BusinessFailure = {
  OutOfStock: 'OutOfStock',
  PaymentDeclined: 'PaymentDeclined',
  CustomerInactive: 'CustomerInactive',
  UnknownCustomer: 'UnknownCustomer',
  UnknownSku: 'UnknownSku',
  InvalidOrder: 'InvalidOrder',
} as const;
export type BusinessFailureType = (typeof BusinessFailure)[keyof typeof BusinessFailure];

export const BUSINESS_FAILURE_TYPES: readonly BusinessFailureType[] = Object.freeze(Object.values(BusinessFailure));

export function isBusinessFailureType(value: unknown): value is BusinessFailureType {
  return typeof value === 'string' && (BUSINESS_FAILURE_TYPES as readonly string[]).includes(value);
}
