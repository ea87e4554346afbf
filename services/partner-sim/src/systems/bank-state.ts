import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { SimConfig } from '../config.ts';
import { RecordedAnswers } from '../recorded-answers.ts';
import { jakartaDay, jakartaTimestamp } from './bank-snap.ts';
import { uniqueDigits } from './ids.ts';

export interface SnapAmount {
  value: string;
  currency: 'IDR';
}

export interface VirtualAccount {
  partnerServiceId: string;
  customerNo: string;
  virtualAccountNo: string;
  virtualAccountName: string;
  trxId: string;
  totalAmount: SnapAmount;
  expiredDate: string;
  additionalInfo?: Record<string, unknown>;
  createdAt: string;
  paid: { paymentRequestId: string; paidAmount: SnapAmount; trxDateTime: string } | null;
}

export type VaStatus = 'OPEN' | 'PAID' | 'EXPIRED';

export interface DemoClient {
  privateKeyPem: string;
  publicKeyPem: string;
}

let demoKeys: DemoClient | undefined;

/** One RSA key pair per process: made at the first start, as a real client would be issued one. */
function demoClientKeys(): DemoClient {
  demoKeys ??= (() => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  })();
  return demoKeys;
}

/** An account inquiry the bank answered (not one a fault cut short). */
export interface Inquiry {
  referenceNo: string;
  beneficiaryAccountNo: string;
  beneficiaryBankCode: string;
  found: boolean;
  createdAt: string;
}

/** The X-EXTERNAL-ID record: which path the answer belongs to. */
interface ExternalIdUse {
  path: string;
}

/** The bank's state for this run: client key, access tokens, X-EXTERNAL-ID answers, virtual accounts. */
export class BankState {
  readonly config: SimConfig['bank'];
  /** Null when the client's public key came from configuration: then no private key is known here. */
  readonly demoClient: DemoClient | null;
  readonly clientPublicKey: KeyObject;
  readonly externalIds = new RecordedAnswers<ExternalIdUse>();
  #tokens = new Map<string, number>();
  #prunedOn = '';
  #vaByNumber = new Map<string, VirtualAccount>();
  #vaByTrxId = new Map<string, VirtualAccount>();
  #vas: VirtualAccount[] = [];
  #inquiries: Inquiry[] = [];
  #inquiryIds = new Set<string>();

  constructor(config: SimConfig['bank']) {
    this.config = config;
    this.demoClient = config.clientPublicKeyPem === null ? demoClientKeys() : null;
    this.clientPublicKey = createPublicKey(config.clientPublicKeyPem ?? this.demoClient?.publicKeyPem ?? '');
  }

  /** The partnerServiceId as it travels: the digits left-padded with spaces to 8 characters. */
  get partnerServiceId(): string {
    return this.config.partnerServiceId.padStart(8, ' ');
  }

  issueToken(now = Date.now()): string {
    for (const [token, expiresAt] of this.#tokens) if (expiresAt <= now) this.#tokens.delete(token);
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, now + this.config.tokenTtlS * 1000);
    return token;
  }

  tokenValid(token: string, now = Date.now()): boolean {
    const expiresAt = this.#tokens.get(token);
    return expiresAt !== undefined && expiresAt > now;
  }

  /** The key an X-EXTERNAL-ID answer is kept under: unique per Jakarta day. */
  externalIdKey(externalId: string, now = new Date()): string {
    return `${jakartaDay(now)}|${externalId}`;
  }

  /** Drops answers from earlier days, once a day: called as answers are recorded. */
  pruneExternalIds(now = new Date()): void {
    const today = jakartaDay(now);
    if (today === this.#prunedOn) return;
    this.#prunedOn = today;
    this.externalIds.prune((key) => key.startsWith(`${today}|`));
  }

  /** Records an account inquiry answered; returns its reference (16 digits, SNAP `referenceNo`). */
  recordInquiry(q: Omit<Inquiry, 'referenceNo' | 'createdAt'>, now = new Date()): Inquiry {
    const inquiry = { ...q, referenceNo: uniqueDigits(16, this.#inquiryIds), createdAt: now.toISOString() };
    this.#inquiries.push(inquiry);
    return inquiry;
  }

  inquiries(filter: { beneficiaryAccountNo?: string | undefined } = {}): Inquiry[] {
    return this.#inquiries.filter((q) => filter.beneficiaryAccountNo === undefined || q.beneficiaryAccountNo === filter.beneficiaryAccountNo);
  }

  vaStatus(va: VirtualAccount, now = Date.now()): VaStatus {
    if (va.paid) return 'PAID';
    return Date.parse(va.expiredDate) <= now ? 'EXPIRED' : 'OPEN';
  }

  /** The latest VA under this number; leading spaces do not matter, as in `/_sim/bank/va/88899…/pay`. */
  vaByNumber(virtualAccountNo: string): VirtualAccount | undefined {
    return this.#vaByNumber.get(virtualAccountNo.trim());
  }

  vaByTrxId(trxId: string): VirtualAccount | undefined {
    return this.#vaByTrxId.get(trxId);
  }

  vas(): readonly VirtualAccount[] {
    return this.#vas;
  }

  /** Adds a VA; one with the same number, already paid or expired, is replaced as that number's bill. */
  addVa(va: VirtualAccount): void {
    this.#vaByNumber.set(va.virtualAccountNo.trim(), va);
    this.#vaByTrxId.set(va.trxId, va);
    this.#vas.push(va);
  }

  /** Marks an open VA paid; the caller has checked that it is open. */
  pay(va: VirtualAccount, paidAmount: SnapAmount, now = new Date()): NonNullable<VirtualAccount['paid']> {
    va.paid = { paymentRequestId: randomUUID(), paidAmount, trxDateTime: jakartaTimestamp(now) };
    return va.paid;
  }
}
