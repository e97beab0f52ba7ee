// What npm run bench:abuse's clients do, as a browser would: open the appeal and post its
// form, or open the staff login page and post it with its CSRF token and cookies. Each
// request claims a made-up client address in X-Forwarded-For (the app trusts loopback).
// Plain node:http with keep-alive: fetch costs the load generator several times more per
// request, and the generator shares the machine with the app.
import http from 'node:http';

export interface Answer {
  status: number;
  location: string;
  cookies: string[];
  body: string;
}

/** A made-up address the app must believe (TRUST_PROXY=loopback). */
export interface Client {
  base: URL;
  agent: http.Agent;
  address: string;
  cookies: Map<string, string>;
}

export function client(base: string, agent: http.Agent, address: string): Client {
  return { base: new URL(base), agent, address, cookies: new Map() };
}

export function send(
  c: Client,
  method: 'GET' | 'POST',
  path: string,
  opts: {
    form?: Record<string, string>;
    headers?: Record<string, string>;
    keepBody?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const headers: Record<string, string> = { 'x-forwarded-for': c.address, ...opts.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
    // What a browser says when a page posts its own form: the cross-site check lets it in.
    headers['sec-fetch-site'] = 'same-origin';
    headers.origin = c.base.origin;
  }
  if (c.cookies.size) headers.cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: c.base.hostname, port: c.base.port, method, path, headers, agent: c.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => opts.keepBody && chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const cookies = res.headers['set-cookie'] ?? [];
          for (const line of cookies) {
            const [pair = ''] = line.split(';');
            const eq = pair.indexOf('=');
            if (eq > 0) c.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
          }
          resolve({
            status: res.statusCode ?? 0,
            location: String(res.headers.location ?? ''),
            cookies,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1] ?? '';

/** One reader's gift: the appeal, then its form posted (unless the page failed); a 303 to Checkout is a session made. */
export async function donateOnce(
  c: Client,
  amount: string,
  timeoutMs?: number,
): Promise<{ page: number; post?: Answer }> {
  // Which step failed, in the error: a reset on the page is not a refused gift.
  const step = (name: string) => (err: Error) => Promise.reject(new Error(`${name}: ${err.message}`));
  const page = await send(c, 'GET', '/', { keepBody: true, timeoutMs }).catch(step('appeal page'));
  if (page.status !== 200) return { page: page.status };
  const form = { form_id: hidden(page.body, 'form_id'), amount, frequency: 'once' };
  const post = await send(c, 'POST', '/donate', { form, timeoutMs }).catch(step('form post'));
  return { page: page.status, post };
}

/** A reader's visit: the appeal, its stylesheet (a file read) and a gift; the time it took, or what failed. */
export async function visit(c: Client, timeoutMs: number): Promise<{ ms: number; outcome: string }> {
  const t0 = performance.now();
  try {
    const [css, gift] = await Promise.all([
      send(c, 'GET', '/public/site.css', { timeoutMs }),
      donateOnce(c, '25', timeoutMs),
    ]);
    const outcome =
      css.status === 200 && gift.post?.status === 303 ? 'ok' : `${css.status}, ${gift.post?.status ?? gift.page}`;
    return { ms: performance.now() - t0, outcome };
  } catch (err) {
    return { ms: performance.now() - t0, outcome: (err as Error).message };
  }
}

export interface Honest {
  sessions: string[];
  answers: Record<string, number>;
  waits: number[];
  requests: number;
}

/** One attempt per reader, spread over `spanMs` from `go`, each on a /24 of its own in 198.18.0.0/15. */
export async function honestReaders(
  url: string,
  go: number,
  readers: number,
  spanMs: number,
  patienceMs: number,
): Promise<Honest> {
  const h: Honest = { sessions: [], answers: {}, waits: [], requests: 0 };
  await Promise.all(
    Array.from({ length: readers }, async (_, i) => {
      await new Promise((r) => setTimeout(r, go + (i * spanMs) / readers - Date.now()));
      // A browser of its own: its own connection, kept for the page and the post; past its
      // patience the reader leaves (the connection is closed).
      const agent = new http.Agent({ keepAlive: true });
      const c = client(url, agent, `198.${18 + (i >> 8)}.${i & 255}.7`);
      const t0 = performance.now();
      const leave = setTimeout(() => agent.destroy(), patienceMs);
      let key: string;
      try {
        const { page, post } = await donateOnce(c, i % 2 ? '25' : '5');
        h.requests += post ? 2 : 1;
        key = post ? String(post.status) : `GET ${page}`;
        const session = post?.status === 303 ? /cs_\w+/.exec(post.location)?.[0] : undefined;
        if (session) h.sessions.push(session);
      } catch (err) {
        key = performance.now() - t0 >= patienceMs ? `left after ${patienceMs / 1000} s` : (err as Error).message;
      }
      clearTimeout(leave);
      agent.destroy();
      h.waits.push(performance.now() - t0);
      h.answers[key] = (h.answers[key] ?? 0) + 1;
    }),
  );
  h.waits.sort((a, b) => a - b);
  return h;
}

/** The staff login page: sets the visitor and CSRF cookies; returns the form's token. */
export async function openLogin(c: Client): Promise<string> {
  const page = await send(c, 'GET', '/staff/login', { keepBody: true });
  const token = hidden(page.body, '_csrf');
  if (page.status !== 200 || !token) throw new Error(`staff login page answered ${page.status} without a token`);
  return token;
}

export function postLogin(
  c: Client,
  csrf: string,
  email: string,
  password: string,
  requestId = '',
  timeoutMs = 300_000,
) {
  return send(c, 'POST', '/staff/login', {
    form: { _csrf: csrf, email, password, next: '/staff' },
    headers: requestId ? { 'x-request-id': requestId } : {},
    timeoutMs,
  });
}

/** Percentile of sorted numbers. */
export const percentile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
