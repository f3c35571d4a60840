// A record's input schema run without zod's machinery, for the records that pass it (nearly all): each schema is
// compiled once into plain functions that check a value and build the same output zod would (unknown keys
// stripped, keys in the schema's order, absent keys left absent, `optString`'s null read as undefined). A value
// that does not pass (or a part of a schema this does not know) is handed to zod itself, so every refusal and its
// reason are zod's, word for word; only the cost of the good records changes. Measured: zod's safeParse was about
// a sixth of normalising (bench/normalize.ts). test/unit/schemas/fast-parse.test.ts compares both on every fixture
// and on mutated records.
import type { z } from 'zod';

/** What a compiled check returns for a value it does not pass: zod then decides (and says why). */
const FAIL: unique symbol = Symbol('fail');
type Parse = (value: unknown) => unknown;

interface ZodInternals {
  def: {
    type: string;
    checks?: unknown[];
    coerce?: boolean;
    shape?: Record<string, z.ZodType>;
    catchall?: z.ZodType;
    element?: z.ZodType;
    innerType?: z.ZodType;
    options?: z.ZodType[];
    values?: unknown[];
    in?: z.ZodType;
    out?: z.ZodType;
    transform?: (value: unknown) => unknown;
    /** Set on string and number formats (email, int…): checks of their own, zod's to run. */
    format?: string;
    pattern?: RegExp;
  };
  optin?: 'optional' | 'defaulted';
  optout?: 'optional';
}

const internals = (schema: z.ZodType) => (schema as unknown as { _zod: ZodInternals })._zod;

/** A part of a schema this file does not compile: zod runs it (still correct, only not faster). */
function byZod(schema: z.ZodType): Parse {
  return (value) => {
    const result = schema.safeParse(value);
    return result.success ? result.data : FAIL;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const compiled = new WeakMap<z.ZodType, Parse>();

function compile(schema: z.ZodType): Parse {
  let parse = compiled.get(schema);
  if (!parse) {
    parse = build(schema);
    compiled.set(schema, parse);
  }
  return parse;
}

interface ZodCheck {
  def: { when?: (payload: Payload) => boolean };
  check: (payload: Payload) => unknown;
}
interface Payload {
  value: unknown;
  issues: unknown[];
}

function build(schema: z.ZodType): Parse {
  const { def } = internals(schema);
  if (def.coerce || def.format || def.pattern) return byZod(schema);
  const base = buildType(schema);
  if (!def.checks?.length) return base;
  // Checks (.min, .max, .regex, .int…) are zod's own functions, run as zod runs them after the type: any issue fails.
  const checks = (def.checks as Array<{ _zod: ZodCheck }>).map((c) => c._zod);
  return (v) => {
    const value = base(v);
    if (value === FAIL) return FAIL;
    const payload: Payload = { value, issues: [] };
    for (const check of checks) {
      if (check.def.when && !check.def.when(payload)) continue;
      if (check.check(payload) instanceof Promise || payload.issues.length > 0) return FAIL;
    }
    return payload.value;
  };
}

function buildType(schema: z.ZodType): Parse {
  const { def } = internals(schema);
  switch (def.type) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : FAIL);
    case 'number':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : FAIL);
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : FAIL);
    case 'null':
      return (v) => (v === null ? v : FAIL);
    case 'unknown':
    case 'any':
      return (v) => v;
    case 'enum': {
      // String values only (a numeric TS enum's reverse mapping is zod's to sort out).
      const entries = Object.values((def as { entries?: Record<string, unknown> }).entries ?? {});
      if (!entries.every((e) => typeof e === 'string')) return byZod(schema);
      const values = new Set(entries);
      return (v) => (values.has(v as string) ? v : FAIL);
    }
    case 'literal': {
      const values = def.values ?? [];
      return (v) => (values.includes(v) ? v : FAIL);
    }
    case 'optional': {
      const inner = def.innerType!;
      if (internals(inner).optin === 'defaulted') return byZod(schema);
      const parseInner = compile(inner);
      return (v) => (v === undefined ? undefined : parseInner(v));
    }
    case 'nullable': {
      const parseInner = compile(def.innerType!);
      return (v) => (v === null ? null : parseInner(v));
    }
    case 'array': {
      const parseItem = compile(def.element!);
      return (v) => {
        if (!Array.isArray(v)) return FAIL;
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const item = parseItem(v[i]);
          if (item === FAIL) return FAIL;
          out[i] = item;
        }
        return out;
      };
    }
    case 'union': {
      const options = (def.options ?? []).map(compile);
      return (v) => {
        for (const option of options) {
          const out = option(v);
          if (out !== FAIL) return out;
        }
        return FAIL;
      };
    }
    case 'pipe': {
      const left = compile(def.in!);
      const right = compile(def.out!);
      return (v) => {
        const mid = left(v);
        return mid === FAIL ? FAIL : right(mid);
      };
    }
    case 'transform': {
      const fn = def.transform!;
      // A transform that reads its context (to add an issue) is zod's to run.
      if (fn.length > 1) return byZod(schema);
      return (v) => {
        const out = fn(v);
        return out instanceof Promise ? FAIL : out;
      };
    }
    case 'object':
      return objectParser(schema);
    default:
      return byZod(schema);
  }
}

interface Field {
  key: string;
  parse: Parse;
  optin?: 'optional' | 'defaulted';
  optionalOut: boolean;
}

/**
 * zod's object, as its handlePropertyResult decides each key: an absent key that may be absent stays absent; a
 * present key whose value parses to undefined is kept as undefined; an absent key that may not be absent fails.
 */
function objectParser(schema: z.ZodType): Parse {
  const { def } = internals(schema);
  const shape = def.shape ?? {};
  if (Object.getOwnPropertySymbols(shape).length > 0) return byZod(schema);
  const catchall = def.catchall && internals(def.catchall).def.type;
  // A loose object (catchall unknown) copies the keys it does not know; any other catchall is zod's.
  if (catchall !== undefined && catchall !== 'unknown') return byZod(schema);
  const fields: Field[] = [];
  for (const key of Object.keys(shape)) {
    if (key === '__proto__') continue;
    const field = internals(shape[key]!);
    if (field.optin === 'defaulted') return byZod(schema);
    fields.push({
      key,
      parse: compile(shape[key]!),
      optin: field.optin,
      optionalOut: field.optout === 'optional',
    });
  }
  const known = new Set(Object.keys(shape));
  return (v) => {
    if (!isObject(v)) return FAIL;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const present = f.key in v;
      if (!present) {
        if (f.optin === undefined) return FAIL;
        if (f.optionalOut) continue;
      }
      const value = f.parse(v[f.key]);
      if (value === FAIL) {
        if (!present && f.optionalOut) continue;
        return FAIL;
      }
      if (value !== undefined || present) out[f.key] = value;
    }
    if (catchall === 'unknown') {
      for (const key in v) {
        if (known.has(key) || key === '__proto__') continue;
        out[key] = v[key];
      }
    }
    return out;
  };
}

/**
 * The record as `schema.parse` would return it, or undefined when it does not pass (then the caller runs zod for
 * the reason). Always zod's answer: a schema part not compiled here runs in zod.
 */
export function fastParse<S extends z.ZodType>(schema: S, record: unknown): { data: z.infer<S> } | undefined {
  const out = compile(schema)(record);
  const result = out === FAIL ? undefined : { data: out as z.infer<S> };
  watcher?.(schema, record, result);
  return result;
}

type Watcher = (schema: z.ZodType, record: unknown, result: { data: unknown } | undefined) => void;
let watcher: Watcher | undefined;

/** Tests only: see every record parsed here and what came out, to compare it with zod's own answer. */
export function watchFastParse(watch: Watcher | undefined): void {
  watcher = watch;
}
