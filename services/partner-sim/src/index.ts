export { buildApp, type AppDeps } from './app.ts';
export { loadConfig, type SimConfig } from './config.ts';
export { bpjsSignature } from './systems/bpjs-signature.ts';
export { generateSoppeng } from './data/generate.ts';
export { FARMER_CASES, type FarmerCase, type Farmer, type SoppengData } from './data/soppeng.ts';
export type { Fault, FaultMode, FaultRequest } from './faults.ts';
