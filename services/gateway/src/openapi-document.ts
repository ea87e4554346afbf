import type { ServiceApp } from '@sutasoma/service-kit';

/** Where the generated document is committed, relative to the repository root. */
export const OPENAPI_PATH = 'openapi/gateway.openapi.json';

/** The OpenAPI document as committed: stable key order, two-space indent, final newline. */
export function renderOpenApi(app: ServiceApp): string {
  return `${JSON.stringify(app.swagger(), null, 2)}\n`;
}
