// npm run stripe:setup: makes a Stripe account ready for the site, idempotently, as steps run in
// order (SETUP_STEPS): the webhook endpoint at BASE_URL/webhooks/stripe, found by its URL, with
// exactly the events the site handles, rendered in the API version the site pins; then what
// the Customer Portal needs (portal-setup.ts). With `check` nothing is changed and every
// difference is reported as a problem.
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import { setEnvVariable } from '../env-file.ts';
import { HANDLED_EVENT_TYPES } from './events.ts';
import { ensureCustomerPortal } from './portal-setup.ts';
import { METADATA_FUNDRAISER } from './record-gifts.ts';
import { createStripeClient, STRIPE_API_VERSION } from './stripe.ts';

export const WEBHOOK_PATH = '/webhooks/stripe';

export interface SetupOptions {
  /** Change nothing; every difference is a problem, and the report is not ok when there is one. */
  check: boolean;
  /** Write a new endpoint's signing secret into this .env file instead of printing it. */
  envFile: string | null;
  /** Where the report goes, a line at a time (default: console.log). */
  print?: (line: string) => void;
}

export interface SetupReport {
  ok: boolean;
  problems: string[];
  changes: string[];
  /** What a person must still do (put the secret in .env, delete an old endpoint). */
  todo: string[];
  /** The signing secret of an endpoint made in this run, else null. */
  secret: string | null;
}

/** The run cannot go on (no key, a URL Stripe would refuse); nothing was changed. */
export class SetupRefused extends Error {}

/** What a step gets: the client and the config, and where to say what it found and did. */
export interface StepContext {
  stripe: Stripe;
  config: Config;
  check: boolean;
  envFile: string | null;
  say(line: string): void;
  /** A difference: a problem under check, else something the step fixes or leaves to do. */
  problem(line: string): void;
  changed(line: string): void;
  todo(line: string): void;
  setSecret(secret: string): void;
}

export interface SetupStep {
  title(config: Config): string;
  run(ctx: StepContext): Promise<void>;
}

export const webhookUrl = (config: Config) => `${config.baseUrl}${WEBHOOK_PATH}`;
const isLive = (config: Config) => /^(sk|rk)_live_/.test(config.stripe.secretKey);
const versionOf = (e: Stripe.WebhookEndpoint) =>
  e.api_version ? `API version ${e.api_version}` : "the account's default API version";
const list = (items: string[]) => items.join(', ');

/** A reason Stripe would refuse the endpoint's URL, or null. */
function urlProblem(config: Config, url: URL): string | null {
  if (isLive(config) && url.protocol !== 'https:')
    return `${url.href} is not https: Stripe sends live-mode events only to https URLs (set BASE_URL)`;
  if (!config.stripe.apiUrl && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/.test(url.hostname))
    return (
      `Stripe cannot reach ${url.href} on this machine; for local testing forward events with ` +
      `\`stripe listen --latest --forward-to ${url.host}${WEBHOOK_PATH}\` instead (see README)`
    );
  return null;
}

/** An endpoint elsewhere that was made for this site (its metadata) or looks like it (its path). */
function looksLikeOurs(e: Stripe.WebhookEndpoint, config: Config): string | null {
  if (e.metadata[METADATA_FUNDRAISER] === config.fundraiser.id) return `metadata ${METADATA_FUNDRAISER}`;
  try {
    if (new URL(e.url).pathname === WEBHOOK_PATH) return `path ${WEBHOOK_PATH}`;
  } catch {
    // A URL Stripe holds is valid; nothing to compare otherwise.
  }
  return null;
}

async function allEndpoints(stripe: Stripe): Promise<Stripe.WebhookEndpoint[]> {
  const out: Stripe.WebhookEndpoint[] = [];
  for await (const e of stripe.webhookEndpoints.list({ limit: 100 })) out.push(e);
  return out;
}

/** The webhook endpoint: found by URL, made or corrected in place; see the README for the version rule. */
export async function ensureWebhookEndpoint(ctx: StepContext): Promise<void> {
  const { config, stripe } = ctx;
  const url = webhookUrl(config);
  const refused = urlProblem(config, new URL(url));
  if (refused && !ctx.check) throw new SetupRefused(refused);
  if (refused) ctx.problem(refused);

  const endpoints = await allEndpoints(stripe);
  const atUrl = endpoints.filter((e) => e.url === url);
  // Stripe renders an endpoint's events in its api_version, which cannot be changed once made.
  const pinned = atUrl.filter((e) => e.api_version === STRIPE_API_VERSION);
  const ours = pinned.find((e) => e.status === 'enabled') ?? pinned[0];
  const wanted = [...HANDLED_EVENT_TYPES].sort();

  let current: Stripe.WebhookEndpoint | undefined = ours;
  if (ours) await correct(ctx, ours, wanted);
  else {
    for (const e of atUrl)
      ctx.problem(
        `${e.id} at this URL renders events in ${versionOf(e)}, not the pinned ${STRIPE_API_VERSION}; ` +
          'Stripe cannot change the version of an existing endpoint, so setup makes a new one beside it',
      );
    if (atUrl.length === 0) ctx.problem(`no webhook endpoint at ${url}`);
    if (!ctx.check) current = await create(ctx, url, wanted);
  }

  // Without a current one (under check) they were reported above already.
  for (const e of current ? atUrl.filter((x) => x !== current) : []) {
    const line =
      `${e.id} (${versionOf(e)}) also gets events at this URL, each one signed with its own secret: ` +
      `delete it once STRIPE_WEBHOOK_SECRET is ${current ? `${current.id}'s` : 'the new endpoint'} secret ` +
      '(Dashboard > Developers > Webhooks); until then Stripe retries the copy the site refuses, and nothing is lost';
    ctx.todo(line);
    if (ctx.check) ctx.problem(line);
  }
  for (const e of endpoints) {
    const why = e.url === url ? null : looksLikeOurs(e, config);
    if (!why) continue;
    const line = `${e.id} at ${e.url} looks like this site's endpoint (${why}): if the site moved, delete it`;
    if (ctx.check) ctx.problem(line);
    else ctx.todo(line);
  }
}

async function correct(ctx: StepContext, e: Stripe.WebhookEndpoint, wanted: string[]): Promise<void> {
  const all = e.enabled_events.includes('*');
  const missing = all ? [] : wanted.filter((t) => !e.enabled_events.includes(t));
  const extra = e.enabled_events.filter((t) => !wanted.includes(t));
  const disabled = e.status !== 'enabled';
  if (missing.length) ctx.problem(`${e.id} is missing events the site handles: ${list(missing)}`);
  if (extra.length) ctx.problem(`${e.id} takes events the site does not handle: ${all ? "all ('*')" : list(extra)}`);
  if (disabled) ctx.problem(`${e.id} is disabled: Stripe sends it nothing`);
  if (ctx.check) return;
  if (!missing.length && !extra.length && !disabled) {
    ctx.say(`ok: ${e.id}, API version ${STRIPE_API_VERSION}, ${wanted.length} events, enabled`);
    return;
  }
  await ctx.stripe.webhookEndpoints.update(e.id, {
    enabled_events: wanted as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
    ...(disabled ? { disabled: false } : {}),
  });
  if (missing.length) ctx.changed(`${e.id}: added ${list(missing)}`);
  if (extra.length) ctx.changed(`${e.id}: removed ${all ? "'*'" : list(extra)}`);
  if (disabled) ctx.changed(`${e.id}: enabled again`);
}

async function create(ctx: StepContext, url: string, wanted: string[]): Promise<Stripe.WebhookEndpoint> {
  const { config } = ctx;
  const made = await ctx.stripe.webhookEndpoints.create({
    url,
    enabled_events: wanted as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    api_version: STRIPE_API_VERSION,
    description: `${config.fundraiser.orgName} fundraiser (npm run stripe:setup)`,
    metadata: { [METADATA_FUNDRAISER]: config.fundraiser.id },
  });
  ctx.changed(`made ${made.id}: API version ${STRIPE_API_VERSION}, ${wanted.length} events`);
  if (!made.secret) throw new Error(`Stripe returned no signing secret for ${made.id}`);
  ctx.setSecret(made.secret);
  if (ctx.envFile) {
    const { created } = setEnvVariable(ctx.envFile, 'STRIPE_WEBHOOK_SECRET', made.secret);
    ctx.changed(`wrote STRIPE_WEBHOOK_SECRET to ${ctx.envFile}${created ? ' (a new file)' : ''}`);
    ctx.todo('restart the site so that it checks signatures with the new secret');
  } else {
    ctx.say(`signing secret (Stripe shows it only now): ${made.secret}`);
    ctx.todo('put the signing secret above in .env as STRIPE_WEBHOOK_SECRET=... and restart the site');
  }
  return made;
}

export const SETUP_STEPS: readonly SetupStep[] = [
  { title: (config) => `Webhook endpoint ${webhookUrl(config)}`, run: ensureWebhookEndpoint },
  { title: () => 'Customer Portal (monthly donors manage their gift)', run: ensureCustomerPortal },
];

export async function runStripeSetup(config: Config, opts: SetupOptions): Promise<SetupReport> {
  if (config.stripe.emulator)
    throw new SetupRefused(
      'STRIPE_SECRET_KEY is not set: put your secret key (sk_test_... to try, sk_live_... for real gifts) ' +
        "and BASE_URL (the site's public address) in .env, then run this again. " +
        '(Without a key the site runs on its built-in emulator, which needs no setup.)',
    );
  if (opts.check && opts.envFile) throw new SetupRefused('--check changes nothing: run it without --write-env');
  const print = opts.print ?? ((line: string) => console.log(line));
  const report: SetupReport = { ok: true, problems: [], changes: [], todo: [], secret: null };
  const ctx: StepContext = {
    stripe: createStripeClient(config.stripe),
    config,
    check: opts.check,
    envFile: opts.envFile,
    say: (line) => print(`     ${line}`),
    problem: (line) => {
      if (!opts.check) return; // outside check, the step fixes it or leaves it to do
      report.problems.push(line);
      print(`  !  ${line}`);
    },
    changed: (line) => {
      report.changes.push(line);
      print(`  +  ${line}`);
    },
    todo: (line) => void report.todo.push(line),
    setSecret: (secret) => {
      report.secret = secret;
    },
  };

  const mode = isLive(config) ? 'LIVE mode' : 'test mode';
  const api = config.stripe.apiUrl ?? 'api.stripe.com';
  print(`Stripe setup${opts.check ? ' check (nothing is changed)' : ''}: ${mode}, API ${api}`);
  for (const [i, step] of SETUP_STEPS.entries()) {
    print(`${i + 1}. ${step.title(config)}`);
    await step.run(ctx);
  }
  report.ok = report.problems.length === 0;
  if (opts.check)
    print(
      report.ok
        ? 'Everything is set up.'
        : `${report.problems.length} problem(s). \`npm run stripe:setup\` fixes what it can and says what is left.`,
    );
  else print(report.changes.length ? `Done: ${report.changes.length} change(s).` : 'Nothing to change.');
  if (!opts.check && report.todo.length) {
    print('Still to do:');
    for (const line of report.todo) print(`  -  ${line}`);
  }
  return report;
}
