import { z } from 'zod';

/** RFC 9457 problem details, with a stable code and per-field reasons for validation errors. */
export const FieldError = z.object({
  field: z.string().describe('JSON path of the bad field, e.g. "nik" or "address.line1"'),
  code: z.string().describe('stable machine-readable reason'),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(FieldError).optional(),
}).meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
