// Writes the gateway's OpenAPI document, generated from its zod schemas, to openapi/.
// Run with `npm run openapi`; a test fails while the committed file is stale. The app is built with
// throwaway secrets and keys: the document depends on none of them.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@sutasoma/service-kit';
import { PII_TEST_ENV } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { OPENAPI_PATH, renderOpenApi } from '../src/openapi-document.ts';

const app = await buildApp(loadConfig({ ...process.env, DEMO_MODE: 'true', DEMO_PASSWORD: 'openapi-document-only', JOB_SIGNING_SECRETS: randomBytes(32).toString('hex'), ...PII_TEST_ENV }), { logger: createLogger({ name: 'openapi', level: 'warn' }) });
await app.ready();
const target = fileURLToPath(new URL(`../../../${OPENAPI_PATH}`, import.meta.url));
await writeFile(target, renderOpenApi(app));
await app.close();
console.log(`wrote ${OPENAPI_PATH}`);
