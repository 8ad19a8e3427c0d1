export { ErpSimulator, ERP_DEFAULTS } from './erp.ts';
export type {
  CreditMemoTruth,
  DuplicateReferencePolicy,
  ErpItem,
  ErpOperationId,
  ErpOptions,
  ErpPorts,
  ErpTruth,
  GoodsIssueTruth,
  InvoiceTruth,
  SalesOrderTruth,
} from './erp.ts';
