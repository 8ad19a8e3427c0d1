// Provider states of the ERP (provider `erp`), made true on an ErpSimulator through its own
// contract handler: documents are booked the way the integration layer would book them.
import type { components } from '../../../contracts/generated/openapi/erp.ts';
import type { ErpSimulator } from '../../../simulators/erp/index.ts';
import { ProviderStateError, type StateDefinition } from '../provider-states.ts';
import { freshReference, maintenanceWindow, SimulatorCaller, type StateTarget } from './support.ts';

type S = components['schemas'];

/** The sales order a state books: the examples' customer, item and warehouse unless params say otherwise. */
function salesOrder(externalReference: string, v: Record<string, string>): S['SalesOrderCreate'] {
  const currency = v.currency ?? 'EUR';
  return {
    externalReference,
    soldTo: v.soldTo ?? 'C-100',
    currency,
    warehouse: v.warehouse ?? 'DC-EAST',
    orderDate: '2026-01-05T08:00:00Z',
    lines: [{ lineNumber: 1, itemNumber: v.itemNumber ?? 'BRG-6204', qty: Number(v.qty ?? 10), uom: 'EA', unitPrice: { amount: v.unitPrice ?? '4.20', currency } }],
  };
}

export function erpStates(target: StateTarget<ErpSimulator>): StateDefinition[] {
  const erp = target.simulator;
  const call = new SimulatorCaller('erp', target.call, { authorization: 'Bearer provider-states' });
  const orders = (ref: string) => erp.truth().salesOrders.filter((so) => so.externalReference === ref);

  /** A sales order in `booked` status for a reference (a fresh reference when the given one is used up). */
  const booked = async (v: Record<string, string>): Promise<S['SalesOrder']> => {
    const wanted = v.externalReference ?? 'ORD-PACT';
    const existing = orders(wanted).find((so) => so.document.status === 'booked' && so.document.lines.every((l) => l.qty === Number(v.qty ?? 10)));
    if (existing) return existing.document;
    const ref = orders(wanted).length === 0 ? wanted : freshReference(wanted, (r) => orders(r).length === 0);
    return call.expect<S['SalesOrder']>(201, 'POST', '/sales-orders', salesOrder(ref, v));
  };
  const issued = async (v: Record<string, string>): Promise<S['SalesOrder']> => {
    const so = await booked(v);
    await call.expect<S['GoodsIssue']>(201, 'POST', '/goods-issues', {
      externalReference: freshReference(`${so.externalReference}.gi`, (r) => !erp.truth().goodsIssues.some((gi) => gi.externalReference === r)),
      salesOrderNumber: so.salesOrderNumber,
      warehouse: so.warehouse,
      shippedAt: '2026-01-05T12:00:00Z',
      carrier: 'carrier-swift',
      trackingNumber: 'SW4821900001',
      lines: so.lines.map((l) => ({ itemNumber: l.itemNumber, qty: l.qty, uom: l.uom })),
    } satisfies S['GoodsIssueCreate']);
    return so;
  };

  return [
    {
      name: 'customer {customerId} has credit limit {creditLimit} {currency}',
      description: 'The customer exists, is neither blocked nor overdue, and has that credit limit in that currency.',
      setup: (v) => {
        const account = erp.options.customers.find((c) => c.customerId === v.customerId);
        if (!account) throw new ProviderStateError(`customer ${v.customerId} is not in the ERP simulator's customer master (it has ${erp.options.customers.length} customers, C-100 first)`);
        if (account.creditLimit !== v.creditLimit || account.currency !== v.currency) {
          throw new ProviderStateError(`customer ${v.customerId} has credit limit ${account.creditLimit} ${account.currency} in this ERP simulator, not ${v.creditLimit} ${v.currency}`);
        }
        if (account.blocked || account.overdue) throw new ProviderStateError(`customer ${v.customerId} is ${account.blocked ? 'blocked' : 'overdue'} in this ERP simulator`);
        return { customerId: account.customerId };
      },
    },
    {
      name: 'item {itemNumber} lists at {price} {currency}',
      description: 'The item exists, is sold in EA, and its list price is that amount (no customer price condition for C-100).',
      setup: (v) => {
        const item = erp.options.items.find((i) => i.itemNumber === v.itemNumber);
        if (!item) throw new ProviderStateError(`item ${v.itemNumber} is not in the ERP simulator's item master`);
        if (item.listPrice.amount !== v.price || item.listPrice.currency !== v.currency) {
          throw new ProviderStateError(`item ${v.itemNumber} lists at ${item.listPrice.amount} ${item.listPrice.currency} in this ERP simulator, not ${v.price} ${v.currency}`);
        }
        if (erp.options.customerPrices['C-100']?.[v.itemNumber!] !== undefined) throw new ProviderStateError(`C-100 has a price condition for ${v.itemNumber} in this ERP simulator`);
        return { itemNumber: item.itemNumber };
      },
    },
    {
      name: 'no sales order is booked for external reference {externalReference}',
      description: 'Nothing is booked under the reference yet (returns a fresh reference as `externalReference` when it is taken).',
      setup: (v) => ({ externalReference: freshReference(v.externalReference!, (r) => orders(r).length === 0) }),
    },
    {
      name: 'no goods issue is posted for external reference {goodsIssueReference}',
      description: 'Nothing is posted under the reference yet (returns a fresh `goodsIssueReference` when it is taken).',
      setup: (v) => ({ goodsIssueReference: freshReference(v.goodsIssueReference!, (r) => !erp.truth().goodsIssues.some((gi) => gi.externalReference === r)) }),
    },
    {
      name: 'no invoice is posted for external reference {invoiceReference}',
      description: 'Nothing is posted under the reference yet (returns a fresh `invoiceReference` when it is taken).',
      setup: (v) => ({ invoiceReference: freshReference(v.invoiceReference!, (r) => !erp.truth().invoices.some((inv) => inv.externalReference === r)) }),
    },
    {
      name: 'no credit memo is posted for external reference {creditMemoReference}',
      description: 'Nothing is posted under the reference yet (returns a fresh `creditMemoReference` when it is taken).',
      setup: (v) => ({ creditMemoReference: freshReference(v.creditMemoReference!, (r) => !erp.truth().creditMemos.some((cm) => cm.externalReference === r)) }),
    },
    {
      name: 'sales order {salesOrderNumber} is booked for external reference {externalReference}',
      description: 'A sales order (10 EA BRG-6204 at 4.20 EUR for C-100 from DC-EAST) is booked and neither issued nor cancelled; returns its `salesOrderNumber` and `externalReference`.',
      setup: async (v) => {
        const so = await booked(v);
        return { salesOrderNumber: so.salesOrderNumber, externalReference: so.externalReference };
      },
    },
    {
      name: 'sales order {salesOrderNumber} for external reference {externalReference} has its goods issued',
      description: 'As "is booked", and its goods issue is posted (nothing invoiced yet).',
      setup: async (v) => {
        const so = await issued(v);
        return { salesOrderNumber: so.salesOrderNumber, externalReference: so.externalReference };
      },
    },
    {
      name: 'sales order {salesOrderNumber} for external reference {externalReference} is invoiced',
      description: 'As "has its goods issued", and the invoice is posted; returns its `invoiceNumber` too.',
      setup: async (v) => {
        const so = await issued(v);
        const invoiceReference = freshReference(`${so.externalReference}.inv`, (r) => !erp.truth().invoices.some((inv) => inv.externalReference === r));
        const invoice = await call.expect<S['Invoice']>(201, 'POST', '/invoices', { externalReference: invoiceReference, salesOrderNumber: so.salesOrderNumber, invoiceDate: '2026-01-05' } satisfies S['InvoiceCreate']);
        return { salesOrderNumber: so.salesOrderNumber, externalReference: so.externalReference, invoiceNumber: invoice.invoiceNumber };
      },
    },
    maintenanceWindow(target, 'the ERP is in a maintenance window', 'erp', { retryAfter: '120s' }),
  ];
}
