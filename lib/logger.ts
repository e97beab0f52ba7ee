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
  return pino(options, destination ?? stdoutDestination());
}

/** Log lines held in memory while stdout is stalled; past this, new lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 4 * 1024 * 1024;

/**
 * stdout, written without ever blocking the process. pino's default writes synchronously, and
 * sonic-boom's synchronous flush (also run at exit) sleeps and retries a failed write for ever
 * (a full pipe: EAGAIN; a closed one: EPIPE): the process then never exits, even on SIGTERM.
 * Here writes are asynchronous, a stalled stdout buffers up to 4 MB and then drops lines, a
 * closed one drops them all, and nothing flushes synchronously: lines still buffered at exit
 * are lost (see flushLogs for the orderly way out).
 */
export function stdoutDestination(fd = 1): pino.DestinationStream {
  const stream = pino.destination({ dest: fd, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES });
  stream.flushSync = () => undefined;
  let lost = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (lost) return;
    lost = true;
    // Nothing reads stdout any more: drop the lines rather than fail or wait.
    stream.write = () => true;
    try {
      process.stderr.write(`log output lost (${err.code ?? err.message}): further log lines are dropped\n`);
    } catch {
      // stderr is gone too
    }
  });
  return stream;
}

/** Waits for buffered log lines to be written, at most `ms` (a stalled stdout does not hold up an exit). */
export function flushLogs(logger: Logger, ms = 500): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    try {
      logger.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** The request's id: the caller's X-Request-Id when sane (a load balancer's trace), else a new one; echoed back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
