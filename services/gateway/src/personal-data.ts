import { hashBody } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';

/**
 * What an Idempotency-Key remembers of its body: a keyed hash (Pii.digest) of the body's canonical
 * hash, never a plain hash (a NIK, a birth date and a name are few enough to be guessed from one).
 * Keyed over the plain hash, so that the keys of a ledger written before can be keyed in place.
 */
export const requestHash = (pii: Pii, body: unknown): string => pii.digest(hashBody(body));
