import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseForm, stringify as stringifyForm } from 'node:querystring';

/**
 * Requests the gateway must refuse, derived from an OpenAPI 3.1 document: for each operation, its
 * path, query and header parameters and its JSON body are generated valid or broken from their
 * schemas (fast-check), sent with a credential of any kind, and judged by an oracle that reads the
 * request back as the server would (percent-decoding, query coercion, each body parser) and validates
 * it against the same schemas (Ajv). A request whose credential is valid always breaks its schema
 * somewhere, so whatever the gateway does with it, it must refuse it.
 */

export type JsonSchema = {
  $ref?: string; type?: string; properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema; minItems?: number; maxItems?: number; minLength?: number; maxLength?: number; pattern?: string; enum?: unknown[];
  const?: unknown; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; oneOf?: JsonSchema[];
};

/** Every keyword the generator understands; any other in a request schema stops the fuzz test (it could not break it knowingly). */
const KEYWORDS = new Set(['$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength',
  'pattern', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'oneOf',
  // Annotations, and `format`, which Ajv here does not check (each format the document uses comes with a pattern).
  'format', 'default', 'description']);

export type Location = 'path' | 'query' | 'header';

export interface Parameter { name: string; in: Location; required: boolean; schema: JsonSchema }

export interface Operation {
  method: string;
  /** As the document writes it: /v1/registrations/{id}. */
  path: string;
  secured: boolean;
  parameters: Parameter[];
  body: { required: boolean; schema: JsonSchema } | null;
}

export interface Credential {
  /** Names it in a failure: `valid ops`, `expired agent`, `none`… */
  label: string;
  /** A credential the gateway accepts: the request must break its schema elsewhere. */
  valid: boolean;
  headers: Record<string, string>;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  credential: string;
  validCredential: boolean;
  /** What the oracle found wrong with the request, by place. Empty: a well-formed request. */
  violations: string[];
}

export class CannotFuzz extends Error {}

const UNREADABLE = Symbol('unreadable');

interface Document {
  paths: Record<string, Record<string, {
    security?: Record<string, string[]>[];
    parameters?: { name: string; in: string; required?: boolean; schema: JsonSchema }[];
    requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Every operation of the document; throws CannotFuzz for what the generator cannot break knowingly. */
export function operationsOf(doc: Document): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.has(method)) throw new CannotFuzz(`${where}: path item field ${method} is not an operation the fuzzer knows`);
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      if (schemes.some((s) => s !== 'bearerAuth')) throw new CannotFuzz(`${where}: security scheme ${schemes.join(', ')} (only bearerAuth is fuzzed)`);
      const parameters = (op.parameters ?? []).map((p) => {
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') throw new CannotFuzz(`${where}: a parameter in ${p.in}`);
        return { name: p.name, in: p.in as Location, required: p.required === true, schema: p.schema };
      });
      let body: Operation['body'] = null;
      if (op.requestBody) {
        const types = Object.keys(op.requestBody.content);
        if (types.length !== 1 || types[0] !== 'application/json') throw new CannotFuzz(`${where}: a body of ${types.join(', ')}`);
        body = { required: op.requestBody.required === true, schema: op.requestBody.content['application/json']!.schema };
      }
      if (parameters.length === 0 && !body && schemes.length === 0) throw new CannotFuzz(`${where}: no input and no credential: nothing it must refuse`);
      ops.push({ method: method.toUpperCase(), path, secured: schemes.length > 0, parameters, body });
    }
  }
  return ops;
}

const UNITS = fc.oneof(fc.constant('grapheme' as const), fc.constant('binary' as const));
const anyString = (maxLength = 30) => UNITS.chain((unit) => fc.string({ unit, maxLength }));
/** A header value Node accepts: printable ASCII. */
const headerString = (maxLength = 40) => fc.string({ unit: 'grapheme-ascii', maxLength });

function nested(depth: number, leaf: unknown, asObject: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function withOwn(o: unknown, key: string, value: unknown): unknown {
  const copy = { ...(o as Record<string, unknown>) };
  // defineProperty, not assignment: `__proto__` must become a key of the JSON, not the prototype.
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

export class RequestGenerator {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  private readonly validators = new Map<JsonSchema, (v: unknown) => boolean>();

  constructor(private readonly doc: Document) {}

  /** The schema behind a $ref, its keywords checked. */
  private resolve(s: JsonSchema, where: string): JsonSchema {
    let schema = s;
    if (schema.$ref) {
      const name = /^#\/components\/schemas\/([^/]+)$/.exec(schema.$ref)?.[1];
      const target = name ? this.doc.components?.schemas?.[name] : undefined;
      if (!target) throw new CannotFuzz(`${where}: unresolvable $ref ${schema.$ref}`);
      schema = target;
    }
    for (const k of Object.keys(schema)) if (!KEYWORDS.has(k)) throw new CannotFuzz(`${where}: schema keyword ${k}`);
    return schema;
  }

  /** Ajv's judgement of a value against a schema of the document. */
  isValid(s: JsonSchema, value: unknown): boolean {
    let validate = this.validators.get(s);
    if (!validate) {
      const compiled = this.ajv.compile({ ...s, components: this.doc.components ?? {} });
      validate = (v: unknown) => compiled(v) as boolean;
      this.validators.set(s, validate);
    }
    return validate(value);
  }

  // Arbitraries are made once per schema: fast-check compiles a pattern's arbitrary in tens of milliseconds.
  private readonly validArbitraries = new Map<JsonSchema, fc.Arbitrary<unknown>>();
  private readonly invalidArbitraries = new Map<JsonSchema, fc.Arbitrary<unknown>[]>();

  valid(schema: JsonSchema, where: string): fc.Arbitrary<unknown> {
    let arbitrary = this.validArbitraries.get(schema);
    if (!arbitrary) this.validArbitraries.set(schema, arbitrary = this.makeValid(schema, where));
    return arbitrary;
  }

  /** A value that breaks the schema, most of the time (the oracle has the last word): by type, bounds, pattern, keys or depth. */
  invalid(schema: JsonSchema, where: string, depth = 0): fc.Arbitrary<unknown> {
    const byDepth = this.invalidArbitraries.get(schema) ?? [];
    this.invalidArbitraries.set(schema, byDepth);
    return byDepth[depth] ??= this.makeInvalid(schema, where, depth);
  }

  private makeValid(schema: JsonSchema, where: string): fc.Arbitrary<unknown> {
    const s = this.resolve(schema, where);
    if (s.oneOf) return fc.oneof(...s.oneOf.map((b, i) => this.valid(b, `${where}/oneOf/${i}`)));
    if ('const' in s) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    switch (s.type) {
      case 'string': {
        const min = s.minLength ?? 0;
        const max = Math.min(s.maxLength ?? min + 40, min + 40);
        if (s.pattern) {
          const within = (v: string) => v.length >= min && (s.maxLength === undefined || v.length <= s.maxLength);
          return fc.stringMatching(new RegExp(s.pattern)).filter(within);
        }
        return fc.string({ minLength: min, maxLength: max });
      }
      case 'integer':
      case 'number': {
        const min = Math.max(s.minimum ?? -1e9, s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1e9);
        const max = Math.min(s.maximum ?? 1e9, s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1e9);
        return fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) });
      }
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const min = s.minItems ?? 0;
        return fc.array(this.valid(s.items ?? {}, `${where}/items`), { minLength: min, maxLength: Math.min(s.maxItems ?? min + 3, min + 3) });
      }
      case 'object': {
        const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, p]) => [k, this.valid(p, `${where}/${k}`)]));
        return fc.record(props, { requiredKeys: s.required ?? [] });
      }
      default:
        throw new CannotFuzz(`${where}: type ${String(s.type)}`);
    }
  }

  private makeInvalid(schema: JsonSchema, where: string, depth: number): fc.Arbitrary<unknown> {
    const s = this.resolve(schema, where);
    const own = s.oneOf ? null : ('const' in s ? jsonType(s.const) : s.enum ? jsonType(s.enum[0]) : s.type ?? null);
    const wrongType = fc.oneof(
      fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), anyString(20),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      // Deep nesting.
      fc.tuple(fc.integer({ min: 20, max: 3000 }), fc.boolean()).map(([d, asObject]) => nested(d, 1, asObject)),
    ).filter((v) => own === null || (jsonType(v) !== own && !(own === 'number' && jsonType(v) === 'integer')));
    const cases: fc.Arbitrary<unknown>[] = [wrongType];
    const huge = fc.integer({ min: 17_000, max: 70_000 }).map((n) => 'x'.repeat(n));
    if (s.oneOf) {
      cases.push(...s.oneOf.map((b, i) => this.invalid(b, `${where}/oneOf/${i}`, depth)));
    } else if ('const' in s || s.enum) {
      const values = 'const' in s ? [s.const] : s.enum!;
      cases.push(
        fc.constantFrom(...values).chain((v) => fc.constantFrom(String(v).toUpperCase(), ` ${String(v)}`, `${String(v)}\u0000`, `${String(v)}x`, '')),
        anyString(),
      );
    } else if (s.type === 'string') {
      if ((s.minLength ?? 0) > 0) cases.push(fc.string({ maxLength: s.minLength! - 1 }));
      if (s.maxLength !== undefined) cases.push(fc.string({ minLength: s.maxLength + 1, maxLength: s.maxLength + 20 }));
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        cases.push(
          anyString().filter((v) => !re.test(v)),
          // Near misses: one character short or long, padded, a letter for a digit, full-width digits, a NUL.
          this.valid(s, where).chain((v) => fc.constantFrom(
            String(v).slice(1), `${String(v)}0`, ` ${String(v)}`, `${String(v)}\n`, String(v).replace(/\d/, 'a'),
            String(v).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), `${String(v)}\u0000`,
          )),
        );
      }
      cases.push(huge);
    } else if (s.type === 'integer' || s.type === 'number') {
      const lo = s.exclusiveMinimum ?? (s.minimum !== undefined ? s.minimum - 1 : undefined);
      const hi = s.exclusiveMaximum ?? (s.maximum !== undefined ? s.maximum + 1 : undefined);
      if (lo !== undefined) cases.push(fc.nat(1000).map((d) => lo - d));
      if (hi !== undefined) cases.push(fc.nat(1000).map((d) => hi + d));
      if (s.type === 'integer') cases.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Number.isInteger(v)));
      cases.push(fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 53) - 2, 0.5), fc.integer().map(String));
    } else if (s.type === 'array') {
      const item = s.items ?? {};
      if (s.maxItems !== undefined) cases.push(fc.array(this.valid(item, `${where}/items`), { minLength: s.maxItems + 1, maxLength: s.maxItems + 3 }));
      if ((s.minItems ?? 0) > 0) cases.push(fc.array(this.valid(item, `${where}/items`), { maxLength: s.minItems! - 1 }));
      if (depth < 4) {
        cases.push(fc.tuple(fc.array(this.valid(item, `${where}/items`), { maxLength: 2 }), this.invalid(item, `${where}/items`, depth + 1)).map(([a, x]) => [...a, x]));
      }
    } else if (s.type === 'object') {
      const props = s.properties ?? {};
      const required = s.required ?? [];
      if (required.length > 0) {
        cases.push(fc.tuple(this.valid(s, where), fc.constantFrom(...required)).map(([o, k]) => {
          const copy = { ...(o as Record<string, unknown>) };
          delete copy[k];
          return copy;
        }));
      }
      if (s.additionalProperties === false) {
        const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype')).filter((k) => !(k in props));
        cases.push(fc.tuple(this.valid(s, where), key, fc.jsonValue({ maxDepth: 2 })).map(([o, k, v]) => withOwn(o, k, v)));
      }
      const names = Object.keys(props);
      if (depth < 4 && names.length > 0) {
        cases.push(fc.constantFrom(...names).chain((k) =>
          fc.tuple(this.valid(s, where), this.invalid(props[k]!, `${where}/${k}`, depth + 1)).map(([o, v]) => withOwn(o, k, v))));
      }
    } else if (s.type !== 'boolean') {
      throw new CannotFuzz(`${where}: type ${String(s.type)}`);
    }
    return fc.oneof(...cases);
  }

  /** A parameter's value as it travels, a string: from the schema, or broken. */
  private paramValue(p: Parameter, where: string, broken: boolean): fc.Arbitrary<string> {
    const valid = this.valid(p.schema, where).map(String);
    const bad = fc.oneof(
      this.invalid(p.schema, where).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')),
      p.in === 'header' ? headerString() : anyString(),
      fc.constantFrom('', ' ', 'abc', '1.5', '-1', '0x1f', 'NaN', 'Infinity', '1e999', 'null', 'true', '[]', '{}'),
      valid.map((v) => `${v}'--`),
    );
    const value = broken ? bad : fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: bad, weight: 1 });
    // Header values must be printable ASCII for Node to send them at all.
    return p.in === 'header' ? value.map((v) => v.replace(/[^\x20-\x7e]/g, '')) : value;
  }

  /** The body as sent: a content type and a payload, from a value of the schema or broken at the byte level. */
  private bodyPart(op: Operation, broken: boolean): fc.Arbitrary<{ contentType: string | undefined; payload: string | undefined }> {
    const s = op.body!.schema;
    const where = `${op.method} ${op.path} body`;
    const value = broken ? this.invalid(s, where) : fc.oneof({ arbitrary: this.valid(s, where), weight: 2 }, { arbitrary: this.invalid(s, where), weight: 1 });
    const text = fc.oneof(
      { arbitrary: value.map((v) => JSON.stringify(v) ?? 'null'), weight: 8 },
      // Not JSON, or not quite.
      { arbitrary: anyString(60), weight: 1 },
      { arbitrary: this.valid(s, where).chain((v) => { const j = JSON.stringify(v); return fc.nat(j.length - 1).map((k) => j.slice(0, k)); }), weight: 1 },
      { arbitrary: fc.constantFrom('', '{', '{"a":}', '[1,]', "{'a':1}", 'NaN', 'undefined', '{"a":1}}', '\uFEFF', 'null', 'true', '"x"', '0'), weight: 1 },
      { arbitrary: value.map((v) => `\uFEFF${JSON.stringify(v) ?? ''}`), weight: 1 },
      // Too large for any body limit we would set, and nested deeper than any request has reason to be.
      { arbitrary: fc.integer({ min: 17_000, max: 100_000 }).map((n) => `{"x":"${'a'.repeat(n)}"}`), weight: 1 },
      { arbitrary: fc.tuple(fc.integer({ min: 100, max: 7_000 }), fc.boolean()).map(([n, o]) => (o ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`)), weight: 1 },
    );
    const contentType = fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 8 },
      {
        arbitrary: fc.constantFrom(
          'application/json; charset=utf-8', 'Application/JSON', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded',
          'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/problem+json', 'application/jsonx', 'application/json, text/plain', undefined,
        ),
        weight: 4,
      },
    );
    return fc.tuple(contentType, text, value).map(([type, t, v]) => {
      // A form is sent as a form would be: the value's fields as text.
      if (type === 'application/x-www-form-urlencoded' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        return { contentType: type, payload: stringifyForm(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]))) };
      }
      return { contentType: type, payload: t };
    });
  }

  /**
   * Requests for one operation the gateway must refuse: with a valid credential, always broken
   * somewhere the oracle can see; with any other credential (or none), well-formed or not.
   */
  requests(op: Operation, credentials: fc.Arbitrary<Credential>): fc.Arbitrary<FuzzRequest> {
    const places = [...op.parameters.map((p) => `${p.in}:${p.name}`), ...(op.body ? ['body'] : [])];
    if (places.length === 0) {
      // Nothing to break: only a credential it must refuse.
      return credentials.filter((c) => !c.valid).chain((c) => this.build(op, c, null));
    }
    const credential = op.secured ? credentials : fc.constant<Credential>({ label: 'none needed', valid: true, headers: {} });
    return fc.tuple(credential, fc.constantFrom(...places))
      .chain(([c, place]) => this.build(op, c, c.valid ? place : null))
      .filter((r) => !r.validCredential || r.violations.length > 0);
  }

  private build(op: Operation, credential: Credential, mustBreak: string | null): fc.Arbitrary<FuzzRequest> {
    const params = op.parameters.map((p) => {
      const place = `${p.in}:${p.name}`;
      const broken = mustBreak === place;
      const value = this.paramValue(p, `${op.method} ${op.path} ${place}`, broken);
      const options: fc.Arbitrary<string | string[] | undefined>[] = [value];
      if (p.in === 'query') options.push(fc.array(value, { minLength: 2, maxLength: 3 }));
      if (!p.required || broken) options.push(fc.constant(undefined));
      return fc.oneof(...options);
    });
    const pathJunk = fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%80', '%00'), weight: 1 });
    const queryNoise = fc.array(fc.tuple(fc.string({ maxLength: 8 }), anyString(8)), { maxLength: 2 });
    const queryJunk = fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: fc.constantFrom('&', '&%', '&=&', '&%zz=%', '&a[b]=1'), weight: 1 });
    const body = op.body ? this.bodyPart(op, mustBreak === 'body') : fc.constant({ contentType: undefined, payload: undefined });
    return fc.tuple(fc.tuple(...params), pathJunk, queryNoise, queryJunk, body).map(([values, junk, noise, qJunk, b]) => {
      let path = op.path;
      const query: string[] = [];
      const headers: Record<string, string> = { ...credential.headers };
      op.parameters.forEach((p, i) => {
        const v = values[i];
        if (p.in === 'path') path = path.replace(`{${p.name}}`, `${encodeURIComponent(String(v ?? ''))}${junk}`);
        else if (p.in === 'query' && v !== undefined) for (const x of [v].flat()) query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(x)}`);
        else if (p.in === 'header' && v !== undefined) headers[p.name] = String(v);
      });
      const known = new Set(op.parameters.map((p) => p.name));
      for (const [k, v] of noise) if (!known.has(k)) query.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
      const q = `${query.join('&')}${query.length > 0 ? qJunk : ''}`;
      if (b.contentType !== undefined) headers['content-type'] = b.contentType;
      const request: FuzzRequest = {
        method: op.method, url: q ? `${path}?${q}` : path, headers, ...(b.payload !== undefined ? { payload: b.payload } : {}),
        credential: credential.label, validCredential: credential.valid, violations: [],
      };
      request.violations = this.violations(op, request);
      return request;
    });
  }

  /** The oracle: what is wrong with the request as the server will read it. Conservative: where a reading is unsure, every reading must be wrong. */
  violations(op: Operation, r: FuzzRequest): string[] {
    const found: string[] = [];
    const [rawPath, rawQuery = ''] = r.url.split(/\?(.*)/s);
    // Path parameters: the template's literal segments around each one, then percent-decoding.
    const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const pattern = new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]*)')}$`);
    const match = pattern.exec(rawPath!);
    if (!match) found.push('path');
    else {
      names.forEach((name, i) => {
        const p = op.parameters.find((x) => x.in === 'path' && x.name === name)!;
        let decoded: string | null = null;
        try { decoded = decodeURIComponent(match[i + 1]!); } catch { decoded = null; }
        if (decoded === null || !this.isValid(p.schema, decoded)) found.push(`path:${name}`);
      });
    }
    const query = parseForm(rawQuery);
    for (const p of op.parameters.filter((x) => x.in === 'query')) {
      const v = query[p.name];
      if (v === undefined) { if (p.required) found.push(`query:${p.name}`); continue; }
      if (Array.isArray(v)) { found.push(`query:${p.name}`); continue; }
      const s = this.resolve(p.schema, p.name);
      // zod's coerce reads a number with Number(); a string schema takes the text as it is.
      const read = s.type === 'integer' || s.type === 'number' ? Number(v) : v;
      if (!this.isValid(p.schema, read)) found.push(`query:${p.name}`);
    }
    for (const p of op.parameters.filter((x) => x.in === 'header')) {
      const v = r.headers[p.name];
      if (v === undefined) { if (p.required) found.push(`header:${p.name}`); continue; }
      if (!this.isValid(p.schema, v) && !this.isValid(p.schema, v.trim())) found.push(`header:${p.name}`);
    }
    if (op.body) {
      const readings = this.bodyReadings(r.headers['content-type'], r.payload);
      if (readings.every((body) => body === undefined ? op.body!.required : !this.isValid(op.body!.schema, body))) found.push('body');
    }
    return found;
  }

  /** Every value the server could make of a body: JSON, text, a form, or none (undefined); UNREADABLE is refused by any schema. */
  private bodyReadings(contentType: string | undefined, payload: string | undefined): unknown[] {
    if (payload === undefined || payload === '') return [undefined];
    const json = () => { try { return [JSON.parse(payload.replace(/^\uFEFF/, ''))]; } catch { return []; } };
    const essence = contentType?.split(';')[0]!.trim().toLowerCase();
    if (essence === 'application/json') return json().length > 0 ? json() : [UNREADABLE];
    if (essence === 'text/plain') return [payload];
    if (essence === 'application/x-www-form-urlencoded') return [{ ...parseForm(payload) }];
    return [undefined, payload, { ...parseForm(payload) }, ...json()];
  }
}
