// Slow and unfinished request bodies. A body that is not whole within its route's deadline
// (WEBHOOK_BODY_DEADLINE_MS, FORM_BODY_DEADLINE_MS) is cut: 408 and the connection closed, so
// what was read of it is freed at once instead of held for Node's default five minutes. The
// server-wide limits (SERVER_TIMEOUTS, for server.ts and the test servers) back every route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MessageChannel } from 'node:worker_threads';
import type { RequestHandler } from 'express';

/** For createServer: headers within 10 s, a whole request within 30 s, checked every second. */
export const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

export class BodyDeadline extends Error {
  readonly status = 408;
  constructor(ms: number) {
    super(`the body was not whole within ${ms} ms`);
  }
}

/** Why a body could not be read: too large (413), or cut short / not its Content-Length (400). */
export class BodyUnreadable extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

// Frees a body buffer this module made, on the spot instead of at V8's next collection: a
// half-read body would otherwise wait for a full collection, which a process left idle after
// an attack may not make for minutes. An ArrayBuffer transferred to a closed port is detached
// and released at once (the message is dropped). Only our own buffers, never a piece Node
// handed us (native code may still point into it), and only one that is the whole of its
// ArrayBuffer: never a slice of Node's pool.
const closedPort = new MessageChannel().port1;
closedPort.close();
function release(buffer: Buffer): void {
  if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) return;
  try {
    closedPort.postMessage(null, [buffer.buffer as ArrayBuffer]);
  } catch {
    // Then V8 frees it in its own time.
  }
}

/**
 * The raw body within `deadlineMs` (BodyDeadline past it, else BodyUnreadable), at most
 * `limitBytes`. Each piece is copied as it arrives into one buffer of the body's size and
 * let go at once, and that buffer is freed when the body is given up: pieces held until the
 * body was whole (dozens per body, scattered through malloc's heap) kept the process some
 * 40 MB larger after 1,000 held bodies (issue #17). With npm start's fixed malloc mmap
 * threshold, a body's buffer of 128 KB or more is mapped on its own and given back to the system.
 */
export function readBodyWithin(
  req: IncomingMessage,
  opts: { limitBytes: number; deadlineMs: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const header = req.headers['content-length'];
    const declared = header === undefined ? null : Number(header);
    if (declared !== null && declared > opts.limitBytes)
      return reject(new BodyUnreadable(413, 'request entity too large'));
    // Without a Content-Length (chunked), room for the limit: pages never written are never touched.
    const body = Buffer.allocUnsafeSlow(declared ?? opts.limitBytes);
    let received = 0;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (!err) return resolve(body.subarray(0, received));
      req.pause();
      release(body);
      reject(err);
    };
    const onData = (piece: Buffer) => {
      if (received + piece.length > body.length)
        return finish(
          declared === null
            ? new BodyUnreadable(413, 'request entity too large')
            : new BodyUnreadable(400, 'request size did not match content length'),
        );
      piece.copy(body, received);
      received += piece.length;
    };
    const onEnd = () =>
      finish(
        declared !== null && received !== declared
          ? new BodyUnreadable(400, 'request size did not match content length')
          : null,
      );
    // The connection dropped mid-body (Node says "aborted", or only closes the request).
    const onError = (err: Error) => finish(new BodyUnreadable(400, err.message));
    const onClose = () => finish(new BodyUnreadable(400, 'request aborted'));
    const timer = setTimeout(() => finish(new BodyDeadline(opts.deadlineMs)), opts.deadlineMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
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
