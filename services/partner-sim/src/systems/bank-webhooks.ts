import { WebhookSender } from '../webhook-sender.ts';

export { WebhookFaultsRequest, type Delivery, type WebhookFaults } from '../webhook-sender.ts';

/** The bank's outgoing VA payment notifications: `notify(trxId, payload)`, with faults and retries. */
export class BankWebhooks extends WebhookSender {}
