// config -> deps -> createApp(deps).listen(); the built-in Stripe emulator on its own paths in
// local development (the only product file that imports emulator/); graceful shutdown.
import 'dotenv/config';
import { createServer } from 'node:http';
import { ConfigError, loadConfig, type Config } from './lib/config.ts';
import { buildDeps } from './lib/wiring.ts';
import { flushLogs } from './lib/logger.ts';
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
  let deps;
  try {
    deps = await buildDeps(config);
  } catch (err) {
    const readOnly = databaseReadOnly(err);
    if (!readOnly) throw err;
    console.error(
      `${readOnly} (DATABASE_URL=${describeDatabase(config)}): the site cannot record gifts; give it a writable database`,
    );
    process.exit(1);
  }
  const { logger } = deps;
  if (config.isHttps && config.trustProxy === false)
    logger.warn(
      'BASE_URL is https but TRUST_PROXY is unset: behind a proxy that ends TLS, requests look like http, ' +
        'so staff login cannot set its Secure cookie. Set TRUST_PROXY to the hop count (1) or the proxy addresses.',
    );
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
      accountCurrency: config.stripe.emulatorAccountCurrency,
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
  let stopping = false;
  const server = createServer(SERVER_TIMEOUTS, (req, res) => {
    // While stopping, answered connections close instead of idling, so the drain can end.
    if (stopping) res.setHeader('Connection', 'close');
    void (emulatorApp && isEmulatorPath(req.url ?? '') ? emulatorApp(req, res) : site(req, res));
  });
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

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    // Stop taking connections, let in-flight requests (webhooks mid-transaction) finish.
    emulator?.stop();
    // Idle keep-alive connections are not cut (server.close() would cut them): the client, nginx
    // in front of several instances, may be sending a request on one at that very moment, and a
    // POST lost that way is not resent. Each is used once more (answered with Connection: close,
    // above), or closed by its client, or by Node after keepAliveTimeout (5 s: longer than the
    // 4 s nginx keeps one idle, deploy/nginx/), so nginx closes its own first.
    server.closeIdleConnections = () => undefined;
    server.close(() => {
      deps.close().then(
        () => void flushLogs(logger).then(() => process.exit(0)),
        (err: unknown) => {
          logger.error({ err }, 'the database did not close cleanly');
          process.exit(1);
        },
      );
    });
    // A bounded drain: whatever still hangs (a slow client, a stalled log pipe) does not keep it alive.
    setTimeout(() => {
      console.error(`shutdown: still busy after SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** "the database is read-only" when `err` says so (SQLite or PostgreSQL), else null. */
function databaseReadOnly(err: unknown): string | null {
  const e = err as { code?: string; message?: string } | null;
  const text = `${e?.code ?? ''} ${e?.message ?? ''}`;
  if (/SQLITE_READONLY|readonly database|read-only|25006|EROFS|EACCES/i.test(text))
    return `the database is read-only or not writable (${e?.message ?? e?.code})`;
  return null;
}

/** DATABASE_URL without a password, for a message. */
function describeDatabase(config: Config): string {
  if (config.database.dialect === 'sqlite') return `sqlite:${config.database.path}`;
  const url = new URL(config.database.url);
  if (url.password) url.password = '***';
  return url.toString();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
