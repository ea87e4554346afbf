import type { ContributionRules } from '@sutasoma/contracts';
import { buildContributionFlow, type FeeRules } from './contribution-flow.ts';
import type { FlowDefinition } from './engine.ts';
import { registrationFlow } from './registration-flow.ts';

/** Every flow the gateway runs, by operation kind. */
export function buildFlows(rules: ContributionRules, fees: FeeRules): ReadonlyMap<string, FlowDefinition> {
  return new Map([registrationFlow, buildContributionFlow(rules, fees)].map((f) => [f.kind, f]));
}
