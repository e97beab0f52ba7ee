// Raw connections that announce a body and never finish it (a slow-body attack), and a plain
// raw POST: supertest always sends whole bodies. Used by test/reliability/slow-bodies.test.ts
// and bench/held-bodies.ts.
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface Held {
  socket: net.Socket;
  /** Settles when the connection closes: the status of the answer, if any came, and who closed it. */
  closed: Promise<{ status: number | null; closedByServer: boolean }>;
}

function statusOf(text: string): number | null {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}

// One buffer per size for every connection: a thousand held bodies cost the client nothing.
const fillers = new Map<number, Buffer>();
function filler(bytes: number): Buffer {
  let b = fillers.get(bytes);
  if (!b) fillers.set(bytes, (b = Buffer.alloc(bytes, 0x61)));
  return b;
}

/**
 * Opens `count` connections, each POSTing `bytes` of Content-Length and sending one byte short:
 * at once, or with `drip`, `drip.bytes` every `drip.everyMs` (a slow sender; settles once the
 * headers are sent).
 */
export async function holdBodies(
  port: number,
  path: string,
  count: number,
  bytes: number,
  opts: { contentType?: string; drip?: { bytes: number; everyMs: number } } = {},
): Promise<Held[]> {
  const { contentType = 'application/json', drip } = opts;
  const held = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Held>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          let text = '';
          // The server ended it (FIN) or reset it: we never close these ourselves before it does.
          let byServer = false;
          const closed = new Promise<{ status: number | null; closedByServer: boolean }>((done) => {
            socket.on('data', (chunk: Buffer) => {
              if (text.length < 200) text += chunk.toString('latin1');
            });
            socket.on('end', () => (byServer = true));
            socket.on('error', () => (byServer = true));
            socket.on('close', () => done({ status: statusOf(text), closedByServer: byServer }));
          });
          socket.once('error', reject);
          socket.once('connect', () => {
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
                `Stripe-Signature: t=1,v1=00\r\nContent-Length: ${bytes}\r\n\r\n`,
            );
            if (!drip) return void socket.write(filler(bytes - 1), () => resolve({ socket, closed }));
            let left = bytes - 1;
            const timer = setInterval(() => {
              if (socket.destroyed || left === 0) return clearInterval(timer);
              const piece = filler(Math.min(drip.bytes, left));
              left -= piece.length;
              socket.write(piece);
            }, drip.everyMs);
            resolve({ socket, closed });
          });
        }),
    ),
  );
  return held;
}

/** A whole POST on its own connection; its answer's status and headers. */
export function rawPost(
  port: number,
  path: string,
  body: string,
  contentType = 'application/json',
): Promise<{ status: number | null; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      const head = text.split('\r\n\r\n')[0] ?? '';
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: statusOf(text), headers });
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${contentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

let gc: (() => void) | undefined;
/**
 * This process's memory once V8 has collected its garbage: what is still referenced, not what
 * V8 has yet to collect (it collects when it likes, so "after" figures would be a matter of
 * timing). For tests only: gc() is not exposed to the app.
 */
export function collectedMemory(): NodeJS.MemoryUsage {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  // The second collection finishes freeing the first one's array buffers (V8 frees them in the background).
  gc();
  gc();
  return process.memoryUsage();
}
