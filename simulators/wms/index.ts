export { WmsSimulator, wmsDefaults } from './wms.ts';
export type {
  EmittedEvent,
  FulfillmentOrderEntry,
  FulfillmentOrderTruth,
  HandoverAttempt,
  ReturnTruth,
  ScheduledAdjustment,
  StockChange,
  StockChangeReason,
  StockReason,
  WmsOperationId,
  WmsOptions,
  WmsPorts,
  WmsTruth,
} from './wms.ts';
