// Structured JSON logs (pino). Request lines carry only what operations need: never
// cookies, authorization or signature headers, bodies, or query strings.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

export function createLogger(level: Config['logLevel'], destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { app: 'fundraiser' },
    // A second guard, should anyone log a config or a request object whole.
    redact: {
      paths: [
        'secretKey',
        'webhookSecret',
        'secret',
        '*.secretKey',
        '*.webhookSecret',
        '*.secret',
        'req.headers',
        'password',
        '*.password',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** The request's id: the caller's X-Request-Id when sane (a load balancer's trace), else a new one; echoed back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
