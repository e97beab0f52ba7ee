// Structured JSON logs (pino). Request lines carry only what operations need: never
// cookies, authorization or signature headers, bodies, or query strings.
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

export function createLogger(level: Config['logLevel'], destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { app: 'fundraiser' },
    // A second guard, should anyone log a config or a request object whole.
    redact: { paths: ['secretKey', 'webhookSecret', 'secret', '*.secretKey', '*.webhookSecret', '*.secret', 'req.headers', 'password', '*.password'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
