// Holds any JSON the emulator answers or sends to the contract schema: an object by its `object`
// value, a list by its envelope and each item, an event by its type. Problems come back as
// readable lines ("Charge /outcome/foo: unknown field"), none for a valid value.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { readSchema, type ContractSchema } from './schema-file.ts';

export interface Contract {
  schema: ContractSchema;
  /** Problems with any Stripe object, list or event (told apart by `object`); [] when it conforms. */
  check(value: unknown): string[];
  /** Problems with a value against one definition by name (Charge, Checkout.Session). */
  checkAs(definition: string, value: unknown): string[];
}

const HINT = 'add it to ContractRoots in test/contract/stripe-types.ts and run `npm run contract:schema`';

/** The value at a JSON pointer, for showing what was found. */
function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

const show = (v: unknown, max = 80) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
};

/** How much an error says: at one path, only the errors of the best rank are shown. */
function rank(keyword: string): number {
  if (keyword === 'anyOf' || keyword === 'oneOf') return 3;
  if (keyword === 'type') return 2;
  if (keyword === 'enum' || keyword === 'const') return 1;
  return 0;
}

/**
 * Ajv's errors as lines. An `anyOf` (an expandable id-or-object, a nullable) fails once per
 * branch; the errors that went deepest say what is wrong, and at one path an unknown field or a
 * value outside an enum says more than the "must be null" of the branch beside it.
 */
export function readableErrors(name: string, value: unknown, errors: ErrorObject[]): string[] {
  const pathOf = (e: ErrorObject) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}`
      : e.instancePath;
  const paths = errors.map(pathOf);
  const best = new Map<string, number>();
  paths.forEach((p, i) => best.set(p, Math.min(best.get(p) ?? 9, rank(errors[i]!.keyword))));
  const kept = errors.filter((e, i) => {
    const p = paths[i]!;
    return !paths.some((q) => q.startsWith(`${p}/`)) && rank(e.keyword) === best.get(p);
  });
  // Type errors at one path come from the branches of one anyOf: one line says what each wanted.
  const wanted = new Map<string, Set<string>>();
  const lines = new Map<string, string>();
  for (const e of kept) {
    const p = pathOf(e) || '(root)';
    const found = show(at(value, e.instancePath));
    const params = e.params as { additionalProperty?: string; allowedValues?: unknown[]; type?: unknown };
    if (e.keyword === 'type') {
      const types = wanted.get(p) ?? new Set<string>();
      wanted.set(p, types.add(String(params.type)));
      lines.set(`type ${p}`, `${name} ${p}: must be ${[...types].join(' or ')}, found ${found}`);
    } else if (e.keyword === 'additionalProperties')
      lines.set(`${p} unknown`, `${name} ${p}: unknown field (not in the SDK's type)`);
    else if (e.keyword === 'enum')
      lines.set(`${p} enum`, `${name} ${p}: ${found} is not one of ${show(params.allowedValues, 400)}`);
    else if (e.keyword === 'required') lines.set(`${p} ${e.message}`, `${name} ${p}: ${e.message ?? 'required'}`);
    else lines.set(`${p} ${e.message}`, `${name} ${p}: ${e.message ?? e.keyword}, found ${found}`);
  }
  return [...lines.values()];
}

export function loadContract(schema: ContractSchema = readSchema()): Contract {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema({ $id: 'stripe', definitions: schema.definitions });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (definition: string): ValidateFunction => {
    let fn = compiled.get(definition);
    if (!fn) {
      if (!(definition in schema.definitions)) throw new Error(`no definition ${definition} in the contract schema`);
      fn = ajv.getSchema(`stripe#/definitions/${encodeURIComponent(definition)}`);
      if (!fn) throw new Error(`Ajv could not compile ${definition}`);
      compiled.set(definition, fn);
    }
    return fn;
  };
  const checkAs = (definition: string, value: unknown): string[] => {
    const fn = validator(definition);
    return fn(value) ? [] : readableErrors(definition, value, fn.errors ?? []);
  };

  const definitionFor = (value: Record<string, unknown>): string | string[] => {
    const kind = value.object;
    if (kind === 'event') {
      const type = String(value.type);
      const entry = schema.events[type];
      if (!entry) return [`event ${show(type)} is not an event type of the pinned version`];
      if (!entry.definition)
        return [`event ${type} carries Stripe.${entry.object}, which is not in the contract: ${HINT}`];
      return entry.definition;
    }
    if (typeof kind !== 'string') return [`${show(value).slice(0, 60)} has no \`object\` field`];
    const names = schema.objects[kind];
    if (!names) return [`object ${show(kind)} is not in the contract (is it a Stripe object?): ${HINT}`];
    // A deleted object (Customer, WebhookEndpoint) shares `object` with the live one.
    const deleted = value.deleted === true;
    return names.find((n) => n.startsWith('Deleted') === deleted) ?? names[0]!;
  };

  const check = (value: unknown): string[] => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${show(value)} is not a Stripe object`];
    const record = value as Record<string, unknown>;
    const found = definitionFor(record);
    if (Array.isArray(found)) return found;
    const problems = checkAs(found, value);
    if (record.object === 'list' && Array.isArray(record.data))
      record.data.forEach((item, i) => problems.push(...check(item).map((p) => `data[${i}]: ${p}`)));
    return problems;
  };
  return { schema, check, checkAs };
}
