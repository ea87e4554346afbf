import type { SoppengData } from '../data/soppeng.ts';
import { FIRST_KPJ_SEQUENCE } from '../data/generate.ts';
import type { RecordedAnswer } from '../recorded-answers.ts';

export type BpjsProgram = 'JKK' | 'JKM';

export interface BpjsParticipant {
  kpj: string;
  nik: string;
  nama: string;
  tglLahir: string;
  jenisKelamin: 'L' | 'P';
  kodeDesa: string;
  penghasilan: number;
  noHp: string | null;
  program: BpjsProgram[];
  /** AKTIF once contributions are paid; a new BPU participant waits for the first one. */
  status: 'AKTIF' | 'PENDING_IURAN';
  tglDaftar: string;
  /** The caller's idempotency key; null for participants that predate the simulator. */
  requestId: string | null;
  registeredAt: string;
}

export type NewParticipant = Omit<BpjsParticipant, 'kpj' | 'status' | 'tglDaftar' | 'requestId' | 'registeredAt'>;

/** BPJS's participant register for this run, seeded with the farmers who were already members. */
export class BpjsParticipants {
  #byKpj = new Map<string, BpjsParticipant>();
  #byNik = new Map<string, BpjsParticipant>();
  #answers = new Map<string, RecordedAnswer>();
  #nextSequence = FIRST_KPJ_SEQUENCE;

  constructor(data: SoppengData) {
    for (const farmer of data.farmersByCase.get('already_participant') ?? []) {
      if (!farmer.participation) continue;
      this.#add({
        kpj: farmer.participation.kpj,
        nik: farmer.nik,
        nama: farmer.fullName,
        tglLahir: farmer.birthDate,
        jenisKelamin: farmer.sex === 'M' ? 'L' : 'P',
        kodeDesa: farmer.villageCode,
        penghasilan: 1_000_000,
        noHp: farmer.phone,
        program: ['JKK', 'JKM'],
        status: 'AKTIF',
        tglDaftar: farmer.participation.registeredAt.slice(0, 10),
        requestId: null,
        registeredAt: farmer.participation.registeredAt,
      });
      this.#nextSequence = Math.max(this.#nextSequence, Number(farmer.participation.kpj.slice(2)) + 1);
    }
  }

  byKpj(kpj: string): BpjsParticipant | undefined {
    return this.#byKpj.get(kpj);
  }

  byNik(nik: string): BpjsParticipant | undefined {
    return this.#byNik.get(nik);
  }

  all(): BpjsParticipant[] {
    return [...this.#byKpj.values()];
  }

  answerFor(requestId: string): RecordedAnswer | undefined {
    return this.#answers.get(requestId);
  }

  recordAnswer(requestId: string, answer: RecordedAnswer): void {
    this.#answers.set(requestId, answer);
  }

  /** A KPJ is '26' and a 9-digit sequence, 11 digits in all. */
  register(input: NewParticipant, requestId: string, now: Date): BpjsParticipant {
    const participant: BpjsParticipant = {
      ...input,
      kpj: `26${String(this.#nextSequence++).padStart(9, '0')}`,
      status: 'PENDING_IURAN',
      tglDaftar: now.toISOString().slice(0, 10),
      requestId,
      registeredAt: now.toISOString(),
    };
    this.#add(participant);
    return participant;
  }

  #add(participant: BpjsParticipant): void {
    this.#byKpj.set(participant.kpj, participant);
    this.#byNik.set(participant.nik, participant);
  }
}
