// npm run contract:schema: the stripe package's types -> test/contract/stripe-schema.json, the
// JSON Schema the contract tests hold the emulator to. Run it after upgrading `stripe` or editing
// stripe-types.ts (the contract test says when). About 15 s: the whole Stripe.Event union is read.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as prettier from 'prettier';
import { createGenerator, ExposeNodeParser } from 'ts-json-schema-generator';
import type ts from 'typescript';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { currentStamp, ROOTS_FILE, SCHEMA_FILE, SDK_API_VERSION, type JsonSchema } from './schema-file.ts';
import { shapeSchema } from './schema-transform.ts';

/**
 * The generator names a definition by its declaration's name without its module, so the SDK's
 * `Card` (resources/Cards.d.ts) and `Issuing.Card` (resources/Issuing/Cards.d.ts) collide. This
 * puts back the SDK's public namespace, taken from the folder under resources/.
 */
function nameDefinitionsAsTheSdk(): void {
  type Namer = (this: unknown, node: ts.Node, context: unknown) => string;
  const proto = ExposeNodeParser.prototype as unknown as { getDefinitionName: Namer };
  const original = proto.getDefinitionName;
  if (typeof original !== 'function') throw new Error('ts-json-schema-generator changed: no getDefinitionName');
  const namespaced = /[\\/]stripe[\\/](?:esm|cjs)[\\/]resources[\\/](.+)[\\/][^\\/]+\.d\.ts$/;
  proto.getDefinitionName = function (node, context) {
    const name = original.call(this, node, context);
    const folder = namespaced.exec(node.getSourceFile().fileName)?.[1];
    return folder ? `${folder.replace(/[\\/]/g, '.')}.${name}` : name;
  };
}

if (SDK_API_VERSION !== currentStamp().apiVersion)
  throw new Error(`the stripe package speaks ${SDK_API_VERSION}, the site pins ${currentStamp().apiVersion}`);

const started = performance.now();
nameDefinitionsAsTheSdk();
const generated = createGenerator({
  path: ROOTS_FILE,
  tsconfig: `${PROJECT_ROOT}/tsconfig.json`,
  type: 'ContractRoots',
  expose: 'export',
  topRef: true,
  jsDoc: 'none',
  skipTypeCheck: true, // npm run typecheck covers stripe-types.ts
  additionalProperties: false,
}).createSchema('ContractRoots') as { definitions?: Record<string, JsonSchema> };
const generatedMs = performance.now() - started;

const schema = shapeSchema(generated, currentStamp());
const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
const text = await prettier.format(JSON.stringify(schema), { ...options, parser: 'json' });
fs.writeFileSync(SCHEMA_FILE, text);

const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
console.log(
  `${SCHEMA_FILE}: ${Object.keys(schema.definitions).length} definitions, ${Object.keys(schema.events).length} event types, ` +
    `${kb(text.length)} (${kb(JSON.stringify(schema).length)} minified); ` +
    `types read in ${(generatedMs / 1000).toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
