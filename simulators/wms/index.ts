export { WmsSimulator, wmsDefaults } from './wms.ts';
export type {
  EmittedEvent,
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
