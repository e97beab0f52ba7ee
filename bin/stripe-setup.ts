// npm run stripe:setup [-- --check | --write-env]
// Makes the Stripe account of STRIPE_SECRET_KEY ready for the site at BASE_URL: the webhook
// endpoint (events, API version), then what later issues add (lib/payments/stripe-setup.ts).
// --check changes nothing and exits 1 when anything is wrong; --write-env puts a new endpoint's
// signing secret into .env instead of printing it.
import 'dotenv/config';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from './command.ts';
import { loadConfigWith } from '../lib/config.ts';
import { runStripeSetup } from '../lib/payments/stripe-setup.ts';

async function main() {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      'write-env': { type: 'boolean', default: false },
    },
  });
  // The site demands STRIPE_WEBHOOK_SECRET with a key; this command is what makes that secret.
  const config = loadConfigWith({ STRIPE_WEBHOOK_SECRET: 'whsec_not_used_by_stripe_setup' });
  const report = await runStripeSetup(config, {
    check: values.check ?? false,
    // Where dotenv reads it from: the folder npm runs in.
    envFile: values['write-env'] ? path.resolve('.env') : null,
  });
  if (!report.ok) throw new Error(`stripe:setup --check: ${report.problems.length} problem(s), see above`);
}

runCommand(main);
