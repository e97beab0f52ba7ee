// npm run emulator: the Stripe emulator on its own port, for a site started with
// STRIPE_API_URL=http://localhost:12111 (and no STRIPE_SECRET_KEY).
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { createEmulator, listenEmulator } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    webhook: { type: 'string' },
    secret: { type: 'string' },
    'settle-after': { type: 'string', default: '5000' },
  },
});

const config = loadConfig();
const port = Number(values.port);
const emulator = createEmulator({
  webhookUrl: values.webhook ?? `${config.baseUrl}/webhooks/stripe`,
  webhookSecret: values.secret ?? config.stripe.webhookSecret,
  settleDelayMs: values['settle-after'] === 'never' ? null : Number(values['settle-after']),
});
const { url } = await listenEmulator(emulator, port, values.host);
console.log(`Stripe emulator on ${url}; webhooks to ${emulator.delivery.url}; controls at ${url}/_emulator`);
