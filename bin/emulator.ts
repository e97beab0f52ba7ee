// npm run emulator: the Stripe emulator on its own port, for a site started with
// STRIPE_API_URL=http://localhost:12111 (and no STRIPE_SECRET_KEY). It reads the site's config
// here so that the emulator itself knows nothing of lib/. Not runCommand: a server stays up.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { STRIPE_API_VERSION } from '../lib/payments/stripe.ts';
import { createEmulator, listenEmulator } from '../emulator/emulator.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    webhook: { type: 'string' },
    secret: { type: 'string' },
    'settle-after': { type: 'string', default: '5000' },
    // What webhook endpoints made without api_version get (the account's default version).
    'account-api-version': { type: 'string' },
  },
});

const config = loadConfig();
const port = Number(values.port);
const emulator = createEmulator({
  webhookUrl: values.webhook ?? `${config.baseUrl}/webhooks/stripe`,
  webhookSecret: values.secret ?? config.stripe.webhookSecret,
  settleDelayMs: values['settle-after'] === 'never' ? null : Number(values['settle-after']),
  apiVersion: STRIPE_API_VERSION,
  accountApiVersion: values['account-api-version'],
  accountCurrency: config.stripe.emulatorAccountCurrency,
});
const { url } = await listenEmulator(emulator, port, values.host);
console.log(`Stripe emulator on ${url}; webhooks to ${emulator.delivery.url}; controls at ${url}/_emulator`);
