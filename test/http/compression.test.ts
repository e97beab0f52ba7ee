// Content-Encoding as browsers and caches see it: the fast lane's bodies (compressed once per
// revision of the figures), Express's pages (the compression middleware) and the static files
// (compressed at start-up): br before gzip, q-values honoured, Vary, an ETag per encoding,
// 304 and HEAD. Raw node:http requests, so nothing is decoded behind the test's back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { chooseEncoding, splicedGzip } from '../../routes/middleware/encoding.ts';

let t: TestApp;
let server: http.Server;
let base: string;

before(async () => {
  t = await makeTestApp();
  server = http.createServer(t.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: Raw): string {
  const coding = r.headers['content-encoding'];
  if (coding === 'br') return zlib.brotliDecompressSync(r.body).toString();
  if (coding === 'gzip') return zlib.gunzipSync(r.body).toString();
  assert.equal(coding, undefined);
  return r.body.toString();
}

const BROWSER = 'gzip, deflate, br, zstd';

describe('the fast lane: bodies compressed once per revision', () => {
  it('when a browser asks for the banner, then it gets brotli that decodes to the plain body, with Vary and its own ETag', async () => {
    const plain = await get('/embed/banner');
    const br = await get('/embed/banner', { 'accept-encoding': BROWSER });
    const gz = await get('/embed/banner', { 'accept-encoding': 'gzip' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(decoded(br), plain.body.toString());
    assert.equal(decoded(gz), plain.body.toString());
    for (const r of [plain, br, gz]) {
      assert.equal(r.headers.vary, 'Cookie, Accept-Language, Accept-Encoding');
      assert.equal(Number(r.headers['content-length']), r.body.length);
    }
    assert.ok(br.body.length < plain.body.length * 0.7, `brotli ${br.body.length} of ${plain.body.length} bytes`);
    const tags = new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]);
    assert.equal(tags.size, 3, 'an ETag per encoding');
  });

  it('when q-values rank the encodings, then they are honoured, and q=0 refuses one', async () => {
    const cases: Array<[string, string | undefined]> = [
      ['br;q=0, gzip', 'gzip'],
      ['br;q=0.5, gzip;q=0.8', 'gzip'],
      ['gzip;q=0.5, br', 'br'],
      ['gzip;q=0, br;q=0', undefined],
      ['identity', undefined],
      ['deflate', undefined],
      ['*', 'br'],
      ['*;q=0, identity', undefined],
    ];
    for (const [accept, expected] of cases) {
      const r = await get('/embed/banner', { 'accept-encoding': accept });
      assert.equal(r.status, 200, accept);
      assert.equal(r.headers['content-encoding'], expected, accept);
    }
  });

  it('when a cache revalidates, then it gets 304 for its own encoding and a full answer for another', async () => {
    const br = await get('/embed/banner', { 'accept-encoding': 'br' });
    const same = await get('/embed/banner', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! });
    assert.equal(same.status, 304);
    assert.equal(same.headers.etag, br.headers.etag);
    assert.equal(same.headers.vary, 'Cookie, Accept-Language, Accept-Encoding');
    assert.equal(same.body.length, 0);
    const other = await get('/embed/banner', { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag! });
    assert.equal(other.status, 200);
    assert.equal(other.headers['content-encoding'], 'gzip');
  });

  it('when the figures change, then the compressed banner shows the new figures and a new ETag', async () => {
    const first = await get('/embed/banner', { 'accept-encoding': 'br' });
    await t.deps.ledger.setGoal(123_400_00, 'admin@example.org');
    const second = await get('/embed/banner', { 'accept-encoding': 'br' });
    assert.notEqual(second.headers.etag, first.headers.etag);
    assert.match(decoded(second), /\$123,400/);
  });

  it('when HEAD is asked with br, then the headers say br and its length, and no body comes', async () => {
    const full = await get('/embed/banner', { 'accept-encoding': 'br' });
    const head = await get('/embed/banner', { 'accept-encoding': 'br' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-encoding'], 'br');
    assert.equal(head.headers['content-length'], full.headers['content-length']);
    assert.equal(head.body.length, 0);
  });

  it('when the appeal (a fresh form id per view) is asked with gzip, then each view decodes whole with its own id', async () => {
    const plain = await get('/');
    const a = await get('/', { 'accept-encoding': BROWSER });
    const b = await get('/', { 'accept-encoding': 'gzip' });
    // Brotli cannot carry a spliced value (see splicedGzip), so a browser gets gzip here.
    assert.equal(a.headers['content-encoding'], 'gzip');
    assert.equal(a.headers.vary, 'Accept-Language, Cookie, Accept-Encoding');
    assert.equal(Number(a.headers['content-length']), a.body.length);
    assert.equal(a.headers.etag, undefined, 'a page unique to its response has no ETag');
    const id = (html: string) => /name="form_id" value="([0-9a-f-]{36})"/.exec(html)?.[1];
    const [pa, pb, pp] = [decoded(a), decoded(b), plain.body.toString()];
    assert.ok(id(pa) && id(pb) && id(pa) !== id(pb), 'each view its own form id');
    assert.equal(pa.replace(id(pa)!, 'ID'), pp.replace(id(pp)!, 'ID'), 'the same page as the plain one');
    assert.ok(a.body.length < plain.body.length * 0.6, `gzip ${a.body.length} of ${plain.body.length} bytes`);
    const onlyBr = await get('/', { 'accept-encoding': 'br' });
    assert.equal(onlyBr.headers['content-encoding'], undefined, 'br alone gets the plain page');
    const head = await get('/', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.headers['content-encoding'], 'gzip');
    assert.equal(head.body.length, 0);
  });

  it('when a body is below a packet (the figures JSON), then it goes uncompressed and varies only by Origin', async () => {
    const r = await get('/api/progress', { 'accept-encoding': BROWSER });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.vary, 'Origin');
    assert.equal(JSON.parse(r.body.toString()).currency, 'usd');
  });
});

describe('gzip around a spliced value', () => {
  it('when random values are spliced between two compressed parts, then every result is valid gzip of the whole', () => {
    const before = Buffer.from('<p>before</p>'.repeat(200) + 'value="');
    const after = Buffer.from('">' + '<p>after, after</p>'.repeat(300));
    const gz = splicedGzip(before, after, 36);
    for (let i = 0; i < 50; i++) {
      const value = randomUUID();
      const whole = Buffer.concat([gz.head, Buffer.from(value), gz.tail, gz.trailer(value)]);
      assert.equal(zlib.gunzipSync(whole).toString(), `${before.toString()}${value}${after.toString()}`);
    }
  });

  it('when the trailer is for another value than the one sent, then gunzip refuses it (the CRC is real)', () => {
    const gz = splicedGzip(Buffer.from('a'.repeat(2000)), Buffer.from('b'.repeat(2000)), 3);
    const whole = Buffer.concat([gz.head, Buffer.from('xyz'), gz.tail, gz.trailer('xyw')]);
    assert.throws(() => zlib.gunzipSync(whole), /incorrect data check|unexpected end|invalid/i);
  });

  it('when a value does not fit one stored block, then building it is refused', () => {
    assert.throws(() => splicedGzip(Buffer.from('a'), Buffer.from('b'), 70_000), /64 KB/);
  });

  it('when nothing acceptable is on offer, then identity is chosen all the same', () => {
    assert.equal(chooseEncoding('identity;q=0', ['gzip']), 'identity');
    assert.equal(chooseEncoding(undefined, ['br', 'gzip']), 'identity');
    assert.equal(chooseEncoding('gzip, br', ['gzip']), 'gzip');
  });
});

describe('Express pages: the compression middleware', () => {
  it('when a browser asks for a page Express renders, then it comes compressed with Vary, and plain without Accept-Encoding', async () => {
    const br = await get('/?amount=25', { 'accept-encoding': BROWSER });
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(br.headers.vary ?? '', /Accept-Encoding/);
    assert.match(decoded(br), /name="form_id"/);
    const plain = await get('/?amount=25');
    assert.equal(plain.headers['content-encoding'], undefined);
    const refused = await get('/?amount=25', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  it('when staff pages are asked with gzip, then they come gzipped, but not the streamed CSV export', async () => {
    const agent = await loggedInStaff(t.app, t.deps.db);
    const page = await agent.get('/staff/gifts').set('Accept-Encoding', 'gzip').expect(200);
    assert.equal(page.headers['content-encoding'], 'gzip');
    assert.match(page.text, /<h1>Gifts<\/h1>/);
    const login = await get('/staff/login', { 'accept-encoding': 'gzip' });
    assert.equal(login.headers['content-encoding'], 'gzip');
    // A streamed export of up to a million rows is sent as it is: compressing it on the fly cost about 3x the time.
    for (let i = 0; i < 20; i++) {
      const receivedAt = new Date('2026-06-01T00:00:00Z');
      const reason = `Cheque no. ${i} from the annual meeting`;
      await t.deps.ledger.recordManualGift({
        amountMinor: 2500,
        receivedAt,
        reason,
        donorName: null,
        staffEmail: 'a@b.org',
      });
    }
    const csv = await agent.get('/staff/gifts.csv').set('Accept-Encoding', 'gzip, br').expect(200);
    assert.equal(csv.headers['content-encoding'], undefined);
    assert.ok(csv.text.length > 2048, `a CSV worth compressing (${csv.text.length} bytes)`);
  });

  it('when /embed.js is asked, then its fixed URL is cached briefly with an ETag, compressed, and 304 on revalidation', async () => {
    const js = await get('/embed.js', { 'accept-encoding': 'gzip' });
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-encoding'], 'gzip');
    assert.match(js.headers['cache-control'] ?? '', /^public, max-age=3600/);
    const tag = js.headers.etag;
    assert.ok(tag);
    assert.match(decoded(js), /fundraiser/i);
    const again = await get('/embed.js', { 'accept-encoding': 'gzip', 'if-none-match': tag });
    assert.equal(again.status, 304);
  });
});
