import type { ContributionRules } from '@sutasoma/contracts';
import type { ClaimRules } from './claim-rules.ts';
import { buildContributionFlow, type FeeRules } from './contribution-flow.ts';
import type { FlowDefinition } from './engine.ts';
import { buildJkkFlow } from './jkk-flow.ts';
import { buildJkmFlow } from './jkm-flow.ts';
import { registrationFlow } from './registration-flow.ts';

/** Every flow the gateway runs, by operation kind. */
export function buildFlows(rules: ContributionRules, fees: FeeRules, claims: ClaimRules): ReadonlyMap<string, FlowDefinition> {
  return new Map([registrationFlow, buildContributionFlow(rules, fees), buildJkkFlow(claims), buildJkmFlow()].map((f) => [f.kind, f]));
}
