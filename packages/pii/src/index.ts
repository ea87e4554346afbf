import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Personal data at rest and in queues: sealed with AES-256-GCM under a key ring from configuration,
 * and found again by a keyed hash (blind index). The one way every service does it.
 *
 *   PII_KEYS       `kid:base64key,…`, each key 32 random bytes: the first seals new data, every one
 *                  opens (a key is rotated by putting a new one first; the old stays until nothing
 *                  sealed under it is left).
 *   PII_INDEX_KEY  base64 of 32 to 64 random bytes, apart from the ring: the HMAC of a NIK (where the
 *                  ledger looks one up or keeps it unique) and of a request body (idempotency).
 *
 * A sealed value is `v1:<kid>:<base64url(iv | ciphertext | tag)>`, its version and key id also
 * authenticated (GCM's additional data), so it names the key that opens it.
 */

/** Fields of an object that hold personal data: NIK, names, birth date, sex, address, phone, accounts, heirs, accident and death details, a payout's holder. */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'nik', 'fullName', 'name', 'birthDate', 'sex', 'address', 'phone',
  'sourceAccountNo', 'payerName', 'payoutAccount', 'beneficiary', 'heir', 'children',
  'description', 'agentDescription', 'deathCertificateRef',
  // Whom the bank adapter checks a payout account's holder against: the farmer's or heir's name.
  'holder',
]);
/** Where `protect` keeps an object's personal fields, sealed. */
export const SEALED_FIELD = 'pii';

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PiiKey {
  id: string;
  key: Buffer;
}

/** Why a sealed value could not be opened; the message names the key id, never a key or the data. */
export class PiiError extends Error {
  override name = 'PiiError';
}

// Node's base64 decoder reads both alphabets (standard and URL-safe).
const decode = (b64: string): Buffer | null => (BASE64.test(b64) ? Buffer.from(b64, 'base64') : null);

/** `PII_KEYS`: `kid:base64key,…`, each 32 bytes, ids unique; the first seals. Refused at start without repeating a key. */
export const PiiKeys = z.string({ error: 'is required: kid:base64key,… (each key 32 random bytes; the first seals new data)' }).transform((value, ctx) => {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one key is required: kid:base64key,… (each key 32 random bytes)' });
  const seen = new Set<string>();
  const keys: PiiKey[] = [];
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const key = at > 0 ? decode(entry.slice(at + 1)) : null;
    if (!KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: `key ${i + 1} must be kid:base64key, its id 1 to 32 letters, digits, "_" or "-"` });
    } else if (seen.has(id)) {
      ctx.addIssue({ code: 'custom', message: `key id ${id} is given twice` });
    } else if (key?.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `key ${id} must be the base64 of 32 random bytes (${key ? `it holds ${key.length}` : 'it is not base64'})` });
    } else {
      keys.push({ id, key });
    }
    seen.add(id);
  });
  return keys;
});

/** `PII_INDEX_KEY`: the base64 of 32 to 64 random bytes. */
export const PiiIndexKey = z.string({ error: 'is required: the base64 of 32 to 64 random bytes' }).transform((value, ctx) => {
  const key = decode(value.trim());
  if (!key || key.length < 32 || key.length > 64) {
    ctx.addIssue({ code: 'custom', message: `must be the base64 of 32 to 64 random bytes (${key ? `it holds ${key.length}` : 'it is not base64'})` });
  }
  return key ?? Buffer.alloc(0);
});

interface RingKey {
  key: KeyObject;
  /** `v1:<kid>:`: the sealed value's prefix, and its authenticated data. */
  prefix: string;
  aad: Buffer;
}

/**
 * Random bytes taken in order from a block drawn from the system's CSPRNG 4 KiB at a time: one call
 * for 341 IVs instead of one each (it was 4 % of the gateway's CPU under load). A block is replaced,
 * never rewritten, so bytes once handed out are never handed out again.
 */
class RandomBlock {
  #block = Buffer.alloc(0);
  #at = 0;

  take(n: number): Buffer {
    if (this.#at + n > this.#block.length) {
      this.#block = randomBytes(4096);
      this.#at = 0;
    }
    const out = this.#block.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
}

export class Pii {
  private readonly random = new RandomBlock();
  private readonly sealing: RingKey;
  private readonly ring = new Map<string, RingKey>();
  private readonly nikKey: KeyObject | undefined;
  private readonly digestKey: KeyObject | undefined;

  /**
   * Keys are made once here, never per call. Without an index key (the adapters, which only seal and
   * open) `index` and `digest` throw.
   */
  constructor(keys: readonly PiiKey[], indexKey?: Buffer) {
    if (keys.length === 0) throw new PiiError('at least one PII key is required');
    for (const k of keys) {
      if (k.key.length !== 32) throw new PiiError(`PII key ${k.id} must be 32 bytes`);
      if (indexKey?.equals(k.key)) throw new PiiError('PII_INDEX_KEY must not be one of PII_KEYS');
      const prefix = `${VERSION}:${k.id}:`;
      this.ring.set(k.id, { key: createSecretKey(k.key), prefix, aad: Buffer.from(prefix) });
    }
    this.sealing = this.ring.get(keys[0]!.id)!;
    if (indexKey) {
      // One configured key, two purposes: each its own key, derived once.
      const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', indexKey, Buffer.alloc(0), info, 32)));
      this.nikKey = derive('sutasoma nik index v1');
      this.digestKey = derive('sutasoma request digest v1');
    }
  }

  /** The id of the key new data is sealed under. */
  get keyId(): string {
    return this.sealing.prefix.slice(VERSION.length + 1, -1);
  }

  /** How every value sealed under the sealing key begins: what a ledger's rows are told apart by when a key is rotated. */
  get sealedPrefix(): string {
    return this.sealing.prefix;
  }

  /** The key id a sealed value names, or null when it is not one. */
  keyIdOf(sealed: string): string | null {
    if (!sealed.startsWith(`${VERSION}:`)) return null;
    const end = sealed.indexOf(':', VERSION.length + 1);
    return end > 0 ? sealed.slice(VERSION.length + 1, end) : null;
  }

  /** Seals any JSON value under the first key of the ring. */
  seal(value: unknown): string {
    const { key, prefix, aad } = this.sealing;
    const iv = this.random.take(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([iv, cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return prefix + body.toString('base64url');
  }

  /** Opens a sealed value with the key it names; throws PiiError for an unknown key or anything altered. */
  open<T = unknown>(sealed: string): T {
    const kid = this.keyIdOf(sealed);
    const k = kid === null ? undefined : this.ring.get(kid);
    if (!k) throw new PiiError(kid === null ? 'not a sealed value' : `sealed under key ${kid}, which PII_KEYS does not hold`);
    const body = Buffer.from(sealed.slice(k.prefix.length), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new PiiError(`a value sealed under key ${kid} is truncated`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.key, body.subarray(0, IV_BYTES));
      decipher.setAAD(k.aad);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const clear = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
      return JSON.parse(clear.toString('utf8')) as T;
    } catch {
      throw new PiiError(`a value sealed under key ${kid} does not authenticate: altered, or sealed under another key of that id`);
    }
  }

  /**
   * The object with its personal fields (PERSONAL_FIELDS, at the top level) sealed together into one
   * `pii` field, the others left as they are; an object without any is returned as it is. Fields
   * already sealed there are kept, and clear ones given beside them join them.
   */
  protect(value: object): Record<string, unknown> {
    const obj = value as Record<string, unknown>;
    let personal: Record<string, unknown> | undefined;
    const clear: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (PERSONAL_FIELDS.has(k) && v !== undefined) (personal ??= {})[k] = v;
      else if (k !== SEALED_FIELD) clear[k] = v;
    }
    if (!personal) return obj;
    const sealed = obj[SEALED_FIELD];
    clear[SEALED_FIELD] = this.seal(typeof sealed === 'string' ? { ...this.open<Record<string, unknown>>(sealed), ...personal } : personal);
    return clear;
  }

  /** The object as it was before `protect` (one that holds nothing sealed is returned as it is). */
  reveal<T = Record<string, unknown>>(value: object): T {
    const obj = value as Record<string, unknown>;
    const sealed = obj[SEALED_FIELD];
    if (typeof sealed !== 'string') return obj as T;
    const { [SEALED_FIELD]: _sealed, ...clear } = obj;
    return { ...clear, ...this.open<Record<string, unknown>>(sealed) } as T;
  }

  /** Whether the object holds a personal field in clear. */
  static exposes(value: object): boolean {
    for (const [k, v] of Object.entries(value)) if (PERSONAL_FIELDS.has(k) && v !== undefined) return true;
    return false;
  }

  /** The blind index of a NIK: one HMAC-SHA256, base64url (43 characters); equal NIKs, equal indexes. */
  index(nik: string): string {
    if (!this.nikKey) throw new PiiError('no PII_INDEX_KEY: this service cannot index');
    return createHmac('sha256', this.nikKey).update(nik).digest('base64url');
  }

  /** A keyed hash of a text (an idempotency request's body hash): comparable, not guessable without the key. */
  digest(text: string): string {
    if (!this.digestKey) throw new PiiError('no PII_INDEX_KEY: this service cannot digest');
    return createHmac('sha256', this.digestKey).update(text).digest('base64url');
  }
}
