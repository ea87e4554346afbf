import type { FlowDefinition } from './engine.ts';
import { registrationFlow } from './registration-flow.ts';

/** Every flow the gateway runs, by operation kind. */
export function buildFlows(): ReadonlyMap<string, FlowDefinition> {
  return new Map([registrationFlow].map((f) => [f.kind, f]));
}
