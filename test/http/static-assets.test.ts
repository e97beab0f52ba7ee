// Static files: fingerprinted URLs cached a year as immutable, plain and outdated URLs with a
// short cache, compressed once at start-up; the icons; what a page's head tells search
// engines and link previews.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { IMMUTABLE_CACHE, SHORT_CACHE } from '../../routes/assets.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({ env: { BASE_URL: 'https://give.example.org' } });
});
after(async () => {
  await t.close();
});

const raw = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** The stylesheet URL the appeal links to. */
async function cssUrl(): Promise<string> {
  const page = (await request(t.app).get('/').expect(200)).text;
  const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1];
  assert.ok(href, 'the appeal links a stylesheet');
  return href;
}

describe('fingerprinted static files', () => {
  it('when a page links its CSS, then the URL carries the content hash and is cached a year as immutable', async () => {
    const href = await cssUrl();
    assert.match(href, /^\/public\/site\.[0-9a-f]{10}\.css$/);
    const res = await request(t.app).get(href).set('Accept-Encoding', 'identity').expect(200);
    assert.equal(res.headers['cache-control'], IMMUTABLE_CACHE);
    assert.match(res.headers['content-type'] ?? '', /^text\/css/);
    assert.equal(res.text, fs.readFileSync(path.join(PROJECT_ROOT, 'public/site.css'), 'utf8'));
  });

  it('when a browser asks for it with br or gzip, then it gets the form compressed at start-up, an ETag each, and 304', async () => {
    const href = await cssUrl();
    const plain = fs.readFileSync(path.join(PROJECT_ROOT, 'public/site.css'));
    const br = await request(t.app).get(href).set('Accept-Encoding', 'gzip, deflate, br').buffer(true).parse(raw);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    // superagent decodes br and gzip itself: what arrives decoded is the file.
    assert.deepEqual(br.body, plain);
    const gz = await request(t.app).get(href).set('Accept-Encoding', 'gzip').buffer(true).parse(raw);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.notEqual(gz.headers.etag, br.headers.etag);
    await request(t.app)
      .get(href)
      .set('Accept-Encoding', 'br')
      .set('If-None-Match', br.headers.etag as string)
      .expect(304);
    await request(t.app)
      .get(href)
      .set('Accept-Encoding', 'gzip')
      .set('If-None-Match', br.headers.etag as string)
      .expect(200);
  });

  it('when the plain URL or a hash from an older deploy is asked, then the current file comes with a short cache', async () => {
    for (const url of ['/public/site.css', '/public/site.0123456789.css']) {
      const res = await request(t.app).get(url).set('Accept-Encoding', 'identity').expect(200);
      assert.equal(res.headers['cache-control'], SHORT_CACHE, url);
      assert.ok(res.headers.etag, url);
      assert.match(res.text, /--accent/);
    }
    const js = await request(t.app).get('/public/embed/banner.css').expect(200);
    assert.equal(js.headers['cache-control'], SHORT_CACHE);
  });

  it('when a file that does not exist is asked, hashed or not, then 404', async () => {
    await request(t.app).get('/public/nothing.css').expect(404);
    await request(t.app).get('/public/nothing.0123456789.css').expect(404);
    await request(t.app).get('/public/../package.json').expect(404);
  });

  it('when HEAD is asked, then the headers come without a body', async () => {
    const res = await request(t.app)
      .head(await cssUrl())
      .set('Accept-Encoding', 'br');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.ok(Number(res.headers['content-length']) > 0);
  });
});

describe('icons', () => {
  it('when a browser asks /favicon.ico and the touch icons at their fixed URLs, then it gets them (no 404)', async () => {
    const ico = await request(t.app).get('/favicon.ico').buffer(true).parse(raw).expect(200);
    assert.equal(ico.headers['content-type'], 'image/x-icon');
    assert.deepEqual([...(ico.body as Buffer).subarray(0, 4)], [0, 0, 1, 0], 'an ICO header');
    assert.equal(ico.headers['cache-control'], SHORT_CACHE);
    for (const url of ['/apple-touch-icon.png', '/apple-touch-icon-precomposed.png']) {
      const png = await request(t.app).get(url).set('Accept-Encoding', 'br').buffer(true).parse(raw).expect(200);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.equal(png.headers['content-encoding'], undefined, 'a PNG is not compressed again');
      assert.equal((png.body as Buffer).subarray(1, 4).toString(), 'PNG');
    }
  });

  it('when a page is shown, then its head links the SVG favicon and the touch icon, which are served', async () => {
    const page = (await request(t.app).get('/').expect(200)).text;
    const svg = /<link rel="icon" href="([^"]+\.svg)" type="image\/svg\+xml">/.exec(page)?.[1];
    const touch = /<link rel="apple-touch-icon" href="([^"]+)">/.exec(page)?.[1];
    assert.ok(svg, 'an SVG favicon');
    assert.ok(touch, 'a touch icon');
    const icon = await request(t.app).get(svg).expect(200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], IMMUTABLE_CACHE);
    await request(t.app).get(touch).expect(200).expect('content-type', 'image/png');
    const robots = await request(t.app).get('/robots.txt').expect(200);
    assert.match(robots.text, /Disallow: \/staff/);
  });
});

describe('what the head tells search engines and link previews', () => {
  it('when the appeal is shown, then it has a meta description, Open Graph tags and a canonical URL on BASE_URL', async () => {
    for (const url of ['/', '/?amount=25']) {
      const page = (await request(t.app).get(url).expect(200)).text;
      assert.match(page, /<meta name="description" content="[^"]{50,}">/, url);
      assert.match(page, /<link rel="canonical" href="https:\/\/give\.example\.org\/">/, url);
      assert.match(page, /<meta property="og:url" content="https:\/\/give\.example\.org\/">/, url);
      assert.match(page, /<meta property="og:type" content="website">/, url);
      assert.match(page, /<meta property="og:title" content="[^"]+">/, url);
      assert.match(page, /<meta property="og:description" content="[^"]+">/, url);
      assert.match(page, /<meta property="og:image" content="https:\/\/give\.example\.org\/apple-touch-icon\.png">/);
      assert.doesNotMatch(page, /noindex/, url);
    }
  });

  it('when a staff page or the banner is shown, then it says noindex and offers no preview', async () => {
    for (const url of ['/staff/login', '/embed/banner', '/embed/demo']) {
      const page = (await request(t.app).get(url).expect(200)).text;
      assert.match(page, /<meta name="robots" content="noindex">/, url);
      assert.doesNotMatch(page, /og:title|rel="canonical"/, url);
    }
  });
});
