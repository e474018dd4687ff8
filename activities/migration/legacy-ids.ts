// Ids of migrated rows are UUIDv5 of their legacy keys, one fixed namespace per table: the same
// legacy row always becomes the same target row, so re-running the migration changes nothing.
// Never change these constants: every migrated id depends on them.
import { v5 as uuidv5 } from 'uuid';

export const LEGACY_CUSTOMER_NAMESPACE = '5b0e6a2c-3f4d-5c8e-9a71-0d2e4f6a8b13';
export const LEGACY_ORDER_NAMESPACE = '8c1f7b3d-4e5a-5d9f-8b82-1e3f5a7b9c24';

export function legacyCustomerId(custId: number): string {
  return uuidv5(String(custId), LEGACY_CUSTOMER_NAMESPACE);
}

export function legacyOrderId(orderNo: number): string {
  return uuidv5(String(orderNo), LEGACY_ORDER_NAMESPACE);
}
