// Slow and unfinished request bodies. A body that is not whole within its route's deadline
// (WEBHOOK_BODY_DEADLINE_MS, FORM_BODY_DEADLINE_MS) is cut: 408 and the connection closed, so
// what was read of it is freed at once instead of held for Node's default five minutes. The
// server-wide limits (SERVER_TIMEOUTS, for server.ts and the test servers) back every route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import getRawBody from 'raw-body';

/** For createServer: headers within 10 s, a whole request within 30 s, checked every second. */
export const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

export class BodyDeadline extends Error {
  readonly status = 408;
  constructor(ms: number) {
    super(`the body was not whole within ${ms} ms`);
  }
}

/** The raw body within `deadlineMs` (BodyDeadline past it), else raw-body's own errors (413, 400). */
export function readBodyWithin(req: IncomingMessage, opts: { limit: string; deadlineMs: number }): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyDeadline(opts.deadlineMs)), opts.deadlineMs);
  });
  const read = getRawBody(req, { limit: opts.limit, length: req.headers['content-length'] });
  return Promise.race([read, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Ends the connection once the answer is written when the request's body was not read whole
 * (cut at its deadline, or refused unread): the half-read body is then freed, and the client
 * cannot keep the connection.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  res.setHeader('connection', 'close');
  res.once('finish', () => setImmediate(() => req.destroy()));
}

/** Express: a request whose body is not whole within `ms` gets 408 and its connection closed. */
export function bodyDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || req.complete) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      if (res.headersSent) return void req.destroy();
      closeAfterAnswer(req, res);
      res.writeHead(408, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('The request took too long to arrive.');
    }, ms);
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
    res.once('close', done);
    next();
  };
}
