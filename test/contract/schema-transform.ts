// Turns ts-json-schema-generator's output for ContractRoots (stripe-types.ts) into the contract:
// enums closed to the pinned version's values, decimals as the strings they are on the wire, an
// index of objects by their `object` value and of events by their type, and only the definitions
// reachable from the roots.
import type { ContractSchema, EventEntry, JsonSchema, Stamp } from './schema-file.ts';

const REF = '#/definitions/';
const refName = (ref: unknown) =>
  typeof ref === 'string' && ref.startsWith(REF) ? decodeURIComponent(ref.slice(REF.length)) : null;

/** Every schema object under `node`, children before parents. */
function eachSchema(node: unknown, visit: (s: JsonSchema) => void): void {
  if (Array.isArray(node)) for (const item of node) eachSchema(item, visit);
  else if (node && typeof node === 'object') {
    for (const value of Object.values(node)) eachSchema(value, visit);
    visit(node as JsonSchema);
  }
}

/**
 * The SDK writes an open enum as `'a' | 'b' | OtherString` (any string, for values added after the
 * SDK was released). The emulator speaks the pinned version only, so the contract drops
 * OtherString and a union of string literals becomes one `enum`.
 */
export function closeEnums(definitions: Record<string, JsonSchema>): void {
  eachSchema(definitions, (s) => {
    if (!Array.isArray(s.anyOf)) return;
    const branches = (s.anyOf as JsonSchema[]).filter((b) => refName(b.$ref) !== 'OtherString');
    const literals = branches.filter((b) => b.type === 'string' && 'const' in b && Object.keys(b).length === 2);
    const rest = branches.filter((b) => !literals.includes(b));
    const merged = literals.length ? [{ type: 'string', enum: literals.map((b) => b.const) }] : [];
    const anyOf = [...merged, ...rest];
    delete s.anyOf;
    if (anyOf.length === 1) Object.assign(s, anyOf[0]);
    else s.anyOf = anyOf;
  });
}

/** The SDK turns decimal_string fields into its Decimal class; on the wire they are strings. */
export function decimalsAsStrings(definitions: Record<string, JsonSchema>): void {
  if (definitions.Decimal) definitions.Decimal = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' };
}

function propertyRef(def: JsonSchema | undefined, property: string): string | null {
  const props = (def?.properties ?? {}) as Record<string, JsonSchema>;
  return refName(props[property]?.$ref);
}

/** `object: 'charge'` -> 'charge' (a const, or an enum of one value). */
function objectValue(def: JsonSchema | undefined): string | null {
  const prop = ((def?.properties ?? {}) as Record<string, JsonSchema>).object;
  if (typeof prop?.const === 'string') return prop.const;
  const values = prop?.enum;
  return Array.isArray(values) && values.length === 1 && typeof values[0] === 'string' ? values[0] : null;
}

/** Every definition `names` reach through $ref, themselves included. */
function reachable(definitions: Record<string, JsonSchema>, names: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...names];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    eachSchema(definitions[name], (s) => {
      const target = refName(s.$ref);
      if (target && !seen.has(target)) queue.push(target);
    });
  }
  return seen;
}

export function shapeSchema(generated: { definitions?: Record<string, JsonSchema> }, stamp: Stamp): ContractSchema {
  const definitions = generated.definitions ?? {};
  const rootsDef = definitions.ContractRoots;
  if (!rootsDef) throw new Error('ContractRoots is missing from the generated schema');
  closeEnums(definitions);
  decimalsAsStrings(definitions);

  const rootNames = Object.keys(rootsDef.properties as object).map((p) => propertyRef(rootsDef, p)!);
  const eventUnion = propertyRef(rootsDef, 'event');
  if (!eventUnion || rootNames.includes(null as never))
    throw new Error('every ContractRoots property must be a named type');
  const roots = rootNames.filter((n) => n !== eventUnion);

  const objects: Record<string, string[]> = {};
  for (const name of roots) {
    const value = objectValue(definitions[name]);
    if (!value) throw new Error(`${name} has no literal \`object\` property`);
    (objects[value] ??= []).push(name);
  }

  const events: Record<string, EventEntry> = {};
  for (const branch of (definitions[eventUnion]?.anyOf ?? []) as JsonSchema[]) {
    const name = refName(branch.$ref)!;
    const type = ((definitions[name]?.properties ?? {}) as Record<string, JsonSchema>).type?.const;
    const object = propertyRef(definitions[propertyRef(definitions[name], 'data')!], 'object');
    if (typeof type !== 'string' || !object) throw new Error(`cannot read the event ${name}`);
    events[type] = { definition: roots.includes(object) ? name : null, object };
  }
  if (Object.keys(events).length === 0) throw new Error(`${eventUnion} is not a union of events`);

  const kept = reachable(definitions, [
    ...roots,
    ...Object.values(events).flatMap((e) => (e.definition ? [e.definition] : [])),
  ]);
  const sorted = Object.fromEntries(
    [...kept].sort().map((name) => [name, definitions[name] ?? { $comment: `unresolved: ${name}` }]),
  );
  return {
    $comment: 'Generated by `npm run contract:schema` from the stripe package types; do not edit.',
    stamp,
    objects,
    events,
    definitions: sorted,
  };
}
