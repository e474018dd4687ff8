// Every schema migration, oldest first. The data source lists them explicitly (no globs), so
// compiled code, tsx and jest all run the same set.
import { CreateCatalog1795651200001 } from './1795651200001-create-catalog';
import { CreateOrders1795651200002 } from './1795651200002-create-orders';
import { CreateBilling1795651200003 } from './1795651200003-create-billing';
import { CreateShipments1795651200004 } from './1795651200004-create-shipments';
import { CreateSimulators1795651200005 } from './1795651200005-create-simulators';
import { MigrationTables1795651200100 } from './1795651200100-migration-tables';
import { AdoptNewLegacyOrders1795651200101 } from './1795651200101-adopt-new-legacy-orders';
import { StorefrontsAndActors1795651200102 } from './1795651200102-storefronts-and-actors';
import { PaymentLedgerAndDocumentNumbers1795651200300 } from './1795651200300-payment-ledger-and-document-numbers';
import { ReturnsAndCreditNotes1795651200400 } from './1795651200400-returns-and-credit-notes';
import { EventsOut1795651200500 } from './1795651200500-events-out';

export const migrations = [
  CreateCatalog1795651200001,
  CreateOrders1795651200002,
  CreateBilling1795651200003,
  CreateShipments1795651200004,
  CreateSimulators1795651200005,
  MigrationTables1795651200100,
  AdoptNewLegacyOrders1795651200101,
  StorefrontsAndActors1795651200102,
  PaymentLedgerAndDocumentNumbers1795651200300,
  ReturnsAndCreditNotes1795651200400,
  EventsOut1795651200500,
];
