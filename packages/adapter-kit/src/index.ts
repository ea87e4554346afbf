export { WebhookSecrets, adapterEnv, type AdapterEnv } from './config.ts';
export { StepWorker, defineStep, type StepContext, type StepHandler, type StepResult, type StepWorkerOptions } from './step-worker.ts';
export { buildAdapterApp, type AdapterContext, type AdapterDefinition, type AdapterDeps } from './adapter-app.ts';
export { HandOver, type HandOverOptions } from './hand-over.ts';
export { signedWebhookRoute, type SignedWebhookOptions, type WebhookAnswer } from './signed-webhook.ts';
