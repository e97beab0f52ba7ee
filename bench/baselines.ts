// The baselines every target is a ratio of, started by bench/run.ts as separate processes:
// a bare Express 5 app and a raw node:http server answering a constant body of the same size
// as the page under test, and a bare Express POST that reads a JSON body and answers.
//   tsx bench/baselines.ts <express|node> <port> <bodyBytes>
import { createServer } from 'node:http';
import express from 'express';

const [kind, portArg, sizeArg] = process.argv.slice(2);
const port = Number(portArg);
const body = 'x'.repeat(Number(sizeArg) || 6144);

if (kind === 'node') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(port, '127.0.0.1', () => process.send?.('ready'));
} else if (kind === 'express') {
  const app = express();
  app.get('/', (_req, res) => void res.send(body));
  // The webhook's baseline: parse the body as Express does, answer a small JSON.
  app.post('/', express.raw({ type: () => true, limit: '512kb' }), (req, res) => {
    res.json({ received: Buffer.isBuffer(req.body) && req.body.length > 0 });
  });
  app.listen(port, '127.0.0.1', () => process.send?.('ready'));
} else {
  console.error('usage: baselines.ts <express|node> <port> <bodyBytes>');
  process.exit(64);
}
