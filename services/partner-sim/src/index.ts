export { buildApp, type AppDeps } from './app.ts';
export { loadConfig, DEFAULT_BANK_WEBHOOK_SECRET, type SimConfig } from './config.ts';
export { bpjsSignature } from './systems/bpjs-signature.ts';
export {
  jakartaTimestamp, snapBodyHash, snapResponseCode, snapTokenSignature, snapTokenStringToSign, snapTransactionSignature,
  snapTransactionStringToSign,
} from './systems/bank-snap.ts';
export { generateSoppeng } from './data/generate.ts';
export { FARMER_CASES, type FarmerCase, type Farmer, type SoppengData } from './data/soppeng.ts';
export type { Fault, FaultMode, FaultRequest } from './faults.ts';
export type { WebhookFaults, Delivery as WebhookDelivery } from './systems/bank-webhooks.ts';
