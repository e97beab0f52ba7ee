// SIGTERM and idle keep-alive connections (a balancer's pool to the instance): the instance
// stops taking connections but does not cut an idle one under a request its client may be
// sending at that moment; it answers that request with Connection: close, then exits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { accepts } from '../helpers/nginx.ts';

let database: TestDatabase;
const servers: ServerProcess[] = [];

before(async () => {
  database = await freshDatabase();
});
after(async () => {
  for (const server of servers) await server.stop();
  await database?.drop();
});

/** A raw keep-alive connection: one request at a time, each answer read whole (Content-Length). */
async function openConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (buffered += d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined); // seen as `closed`
  return {
    get closed() {
      return closed;
    },
    /** The answer's head (status line and headers), or null when the connection ended first. */
    async get(path: string): Promise<string | null> {
      buffered = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? NaN);
        if (end >= 0 && buffered.length >= end + 4 + length) return buffered.slice(0, end);
        if (closed) return null;
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    destroy: () => socket.destroy(),
  };
}

describe('SIGTERM with idle keep-alive connections', () => {
  it('when a request arrives on a connection that was idle at SIGTERM, then it is answered with Connection: close and the process exits', async () => {
    const server = await startServerProcess({}, database.url);
    servers.push(server);
    const connection = await openConnection(server.port);
    assert.match((await connection.get('/healthz')) ?? '', /^HTTP\/1.1 200/);
    const exited = server.kill('SIGTERM');
    // Stopped taking connections: the signal has been handled.
    while (await accepts(server.port)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const head = await connection.get('/api/progress');
    assert.ok(head, 'the idle connection was cut under the request');
    assert.match(head, /^HTTP\/1.1 200/);
    assert.match(head, /^connection: close$/im);
    assert.equal(await exited, 0, server.logs());
  });

  it('when an idle keep-alive connection is never used again, then the process still exits once Node lets it go', async () => {
    const server = await startServerProcess({}, database.url);
    servers.push(server);
    const connection = await openConnection(server.port);
    assert.match((await connection.get('/healthz')) ?? '', /^HTTP\/1.1 200/);
    const started = Date.now();
    assert.equal(await server.kill('SIGTERM'), 0, server.logs());
    const ms = Date.now() - started;
    // Exit code 0, not SHUTDOWN_TIMEOUT_MS's 1: the drain ended when Node's keepAliveTimeout
    // (5 s) closed the connection, not when the shutdown gave up on it.
    assert.ok(connection.closed, 'the server closed the idle connection');
    connection.destroy();
    console.log(`idle keep-alive connection: the process exited ${ms} ms after SIGTERM`);
  });
});
