// The committed schema's file: where it is, its shape, and the stamp that says what it was made
// from. The stamp is cheap to recompute, so a test can tell a stale schema without regenerating it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = path.join(here, 'stripe-schema.json');
export const ROOTS_FILE = path.join(here, 'stripe-types.ts');
/** The files whose content shapes the schema besides the SDK: a change to one makes it stale. */
const SHAPING_FILES = [ROOTS_FILE, path.join(here, 'schema-transform.ts')];

export type JsonSchema = Record<string, unknown>;

export interface Stamp {
  /** The stripe package's version, whose .d.ts the schema was made from. */
  stripe: string;
  /** The API version the site pins (lib/payments/stripe.ts). */
  apiVersion: string;
  generator: string;
  /** sha256 of the roots and the transform, so a new root or rule cannot be forgotten. */
  sources: string;
}

export interface EventEntry {
  /** The event's definition, or null when its data.object is not one of ContractRoots. */
  definition: string | null;
  /** The definition of its data.object, as the SDK names it (Checkout.Session, Charge). */
  object: string;
}

export interface ContractSchema {
  $comment: string;
  stamp: Stamp;
  /** An object's `object` value -> its definitions (Customer and DeletedCustomer share `customer`). */
  objects: Record<string, string[]>;
  /** Every event type of the pinned version -> its definition. */
  events: Record<string, EventEntry>;
  definitions: Record<string, JsonSchema>;
}

function packageVersion(name: string): string {
  const file = path.join(here, '../../node_modules', name, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export function currentStamp(): Stamp {
  const hash = createHash('sha256');
  for (const file of SHAPING_FILES) hash.update(fs.readFileSync(file));
  return {
    stripe: packageVersion('stripe'),
    apiVersion: STRIPE_API_VERSION,
    generator: `ts-json-schema-generator ${packageVersion('ts-json-schema-generator')}`,
    sources: hash.digest('hex').slice(0, 16),
  };
}

/** The SDK's own API version, which must be the one the site pins for the schema to mean it. */
export const SDK_API_VERSION = Stripe.API_VERSION;

export function readSchema(): ContractSchema {
  return JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as ContractSchema;
}
