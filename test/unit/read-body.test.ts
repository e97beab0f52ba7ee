// readBodyWithin (routes/middleware/body-deadline.ts), the webhook's body reader, on a bare
// node:http server and raw sockets: the whole body however it arrives (pieces, chunked), and
// the statuses that raw-body gave before it (413 too large, 400 cut short).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { readBodyWithin } from '../../routes/middleware/body-deadline.ts';

const LIMIT = 1000;
let server: Server;
let port: number;
// What the server made of the request being sent: "<length> <first byte><last byte>" of the
// body read, or "error <status>"; and its array buffers (bytes) just after the read began and
// once it settled.
let outcome: (text: string) => void = () => undefined;
const buffers = { reading: 0, settled: 0 };

before(async () => {
  // X-Limit and X-Deadline-Ms, when sent, stand in for the defaults.
  server = createServer((req, res) => {
    const read = readBodyWithin(req, {
      limitBytes: Number(req.headers['x-limit'] ?? LIMIT),
      deadlineMs: Number(req.headers['x-deadline-ms'] ?? 5000),
    });
    buffers.reading = process.memoryUsage().arrayBuffers;
    void read
      .then(
        (body) => `${body.length} ${body.subarray(0, 1).toString()}${body.subarray(-1).toString()}`,
        (err: { status?: number }) => `error ${err.status ?? 'none'}`,
      )
      .then((text) => {
        buffers.settled = process.memoryUsage().arrayBuffers;
        outcome(text);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Sends `head`, then `pieces` one at a time (then, with `reset`, drops the connection); what the server read. */
function exchange(head: string, pieces: string[], reset = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    outcome = (text) => {
      socket.destroy();
      resolve(text);
    };
    const rest = [...pieces];
    const next = () => {
      const piece = rest.shift();
      if (piece !== undefined) return void socket.write(piece, () => setTimeout(next, 5));
      if (reset) socket.resetAndDestroy();
    };
    socket.once('error', reject);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\n${head}\r\n`, next);
  });
}

const body = (n: number) => 'a' + 'x'.repeat(n - 2) + 'z';
const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;

describe('reading a body', () => {
  it('when a body arrives in pieces, then it is read whole', async () => {
    const whole = body(900);
    const pieces = [whole.slice(0, 1), whole.slice(1, 400), whole.slice(400)];
    assert.equal(await exchange(`Content-Length: 900\r\n`, pieces), '900 az');
  });

  it('when a body arrives chunked within the limit, then it is read whole', async () => {
    const whole = body(LIMIT);
    const pieces = [chunk(whole.slice(0, 300)), chunk(whole.slice(300)), '0\r\n\r\n'];
    assert.equal(await exchange('Transfer-Encoding: chunked\r\n', pieces), `${LIMIT} az`);
  });

  it('when a chunked body goes past the limit, then 413', async () => {
    const pieces = [chunk(body(600)), chunk(body(600)), '0\r\n\r\n'];
    assert.equal(await exchange('Transfer-Encoding: chunked\r\n', pieces), 'error 413');
  });

  it('when the Content-Length is past the limit, then 413 before any of it is read', async () => {
    assert.equal(await exchange(`Content-Length: ${LIMIT + 1}\r\n`, []), 'error 413');
  });

  it('when the connection drops short of the Content-Length, then 400', async () => {
    assert.equal(await exchange('Content-Length: 900\r\n', [body(500)], true), 'error 400');
  });

  it('when a body is cut at its deadline, then its buffer is freed at once, not at a later collection', async () => {
    const size = 8 * 2 ** 20;
    const head = `X-Limit: ${size}\r\nX-Deadline-Ms: 100\r\nContent-Length: ${size}\r\n`;
    assert.equal(await exchange(head, ['only this']), 'error 408');
    assert.ok(
      buffers.reading - buffers.settled > size / 2,
      `buffers went from ${buffers.reading} to ${buffers.settled} bytes`,
    );
  });
});
