// config -> deps -> createApp(deps).listen(); the built-in Stripe emulator on its own paths in
// local development (the only product file that imports emulator/); graceful shutdown.
import 'dotenv/config';
import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './lib/config.ts';
import { buildDeps } from './lib/wiring.ts';
import { createApp } from './app.ts';
import { SERVER_TIMEOUTS } from './routes/middleware/body-deadline.ts';
import { STRIPE_API_VERSION } from './lib/payments/stripe.ts';
import { prepareCustomerPortal } from './lib/payments/portal-setup.ts';
import express from 'express';
import { createEmulator, isEmulatorPath, type Emulator } from './emulator/emulator.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const deps = await buildDeps(config);
  const { logger } = deps;
  let emulator: Emulator | undefined;
  let emulatorApp: express.Express | undefined;
  if (config.stripe.embeddedEmulator) {
    // No keys: the site hosts the offline Stripe emulator itself, so the whole loop runs here.
    emulator = createEmulator({
      publicUrl: config.baseUrl,
      webhookUrl: `${config.baseUrl}/webhooks/stripe`,
      webhookSecret: config.stripe.webhookSecret,
      // Events in the version the site pins, as a webhook endpoint made by npm run stripe:setup would get them.
      apiVersion: STRIPE_API_VERSION,
    });
    emulatorApp = express();
    emulatorApp.disable('x-powered-by');
    emulatorApp.use(emulator.router);
    logger.warn(
      `no STRIPE_SECRET_KEY: using the built-in Stripe emulator (test mode, no real money); its controls are at ${config.baseUrl}/_emulator`,
    );
  } else if (config.stripe.emulator) {
    logger.warn(`no STRIPE_SECRET_KEY: using the Stripe emulator at ${config.stripe.apiUrl}`);
  }
  const site = createApp(deps);
  // The site's requests go straight to the site; only the emulator's paths to the emulator.
  const server = createServer(
    SERVER_TIMEOUTS,
    (req, res) => void (emulatorApp && isEmulatorPath(req.url ?? '') ? emulatorApp(req, res) : site(req, res)),
  );
  server.listen(config.port, () => {
    logger.info(
      { url: config.baseUrl, database: config.database.dialect },
      `fundraiser listening on ${config.baseUrl}`,
    );
    // The emulator starts empty: it gets the monthly prices and portal npm run stripe:setup makes at Stripe.
    if (emulator)
      prepareCustomerPortal(deps.stripe, config, (line) => logger.debug(line)).then(
        () => deps.portal.forget(),
        (err: unknown) => logger.warn({ err }, 'could not prepare the Customer Portal in the built-in emulator'),
      );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    // Stop taking connections, let in-flight requests (webhooks mid-transaction) finish.
    emulator?.stop();
    server.close(() => {
      deps.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'the database did not close cleanly');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
