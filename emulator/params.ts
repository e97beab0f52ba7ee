// Reading form-encoded API parameters as Stripe reads them (qs: `a[b]=1`, `list[0]=x`), with
// Stripe-shaped 400s naming the parameter. Shared by the emulator's newer APIs (webhook
// endpoints, products and prices, the billing portal).
import type Stripe from 'stripe';
import { EmulatorError } from './state.ts';

/** A form-encoded body as qs parses it. */
export type Params = Record<string, unknown>;

export const invalid = (message: string, param: string, code = 'parameter_invalid') =>
  new EmulatorError(400, message, 'invalid_request_error', code, param);

export const missingParam = (param: string) => invalid(`Missing required param: ${param}.`, param, 'parameter_missing');

/** Stripe's answer to an id in a parameter that names nothing: 400, resource_missing. */
export const noSuch = (kind: string, id: string, param: string) =>
  invalid(`No such ${kind}: '${id}'`, param, 'resource_missing');

/** Refuses the first parameter Stripe would not know here. */
export function onlyKnown(b: Params, known: string[], prefix = ''): void {
  const unknown = Object.keys(b).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    const name = prefix ? `${prefix}[${unknown}]` : unknown;
    throw invalid(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
  }
}

/** A nested parameter (`features[subscription_cancel]`): an object, or {} when absent. */
export function objectParam(v: unknown, param: string): Params {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('Invalid object', param);
  return v as Params;
}

export function stringParam(v: unknown, param: string, max = 5000): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw invalid(`Invalid string: a string of at most ${max} characters.`, param, 'parameter_invalid_string');
  return v;
}

export function booleanParam(v: unknown, param: string): boolean {
  if (v === 'true' || v === 'false' || typeof v === 'boolean') return v === true || v === 'true';
  throw invalid(`Invalid boolean: ${String(v)}`, param);
}

export function integerParam(v: unknown, param: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`Invalid integer: ${String(v)}`, param, 'parameter_invalid_integer');
  return n;
}

export function enumParam<T extends string>(v: unknown, param: string, values: readonly T[]): T {
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  throw invalid(`Invalid ${param}: must be one of ${values.join(', ')}`, param);
}

/** A list (`x[0]=a&x[1]=b`): qs gives an array, or an object of index keys past its array limit; '' = empty. */
export function arrayParam(v: unknown, param: string): unknown[] {
  if (v === undefined || v === '') return [];
  if (Array.isArray(v)) return v as unknown[];
  if (typeof v === 'object' && v !== null) return Object.values(v);
  throw invalid('Invalid array', param);
}

export function urlParam(v: unknown, param: string): string {
  if (v === undefined || v === '') throw missingParam(param);
  let url: URL | null = null;
  try {
    url = typeof v === 'string' && v.length <= 5000 ? new URL(v) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw invalid(`Invalid URL: ${String(v)}. The URL must be an absolute http or https URL.`, param, 'url_invalid');
  return String(v);
}

/** Stripe's metadata update: '' clears all, a key set to '' is removed, others are set. */
export function metadataParam(v: unknown, current: Stripe.Metadata, param = 'metadata'): Stripe.Metadata {
  if (v === undefined) return current;
  if (v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('Invalid object', param);
  const out: Stripe.Metadata = { ...current };
  for (const [k, val] of Object.entries(v as Params)) {
    if (typeof val !== 'string' || k.length > 40 || val.length > 500)
      throw invalid('Metadata keys are at most 40 characters and values strings of at most 500.', `${param}[${k}]`);
    if (val === '') delete out[k];
    else out[k] = val;
  }
  return out;
}
