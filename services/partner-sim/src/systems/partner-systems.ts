import type { PartnerSystemDefinition } from '../sim-context.ts';
import { bank } from './bank.ts';
import { bpjs } from './bpjs.ts';
import { ekartutani } from './ekartutani.ts';
import { hospital } from './hospital.ts';
import { plkk } from './plkk.ts';
import { simluhtan } from './simluhtan.ts';

export const PARTNER_SYSTEMS: readonly PartnerSystemDefinition[] = [simluhtan, ekartutani, bpjs, plkk, bank, hospital];
