// One HTTP request from a chosen local address (Linux routes all of 127.0.0.0/8 to loopback),
// so a test can be several readers at once as far as the server is concerned.
import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function requestFrom(
  localAddress: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        localAddress,
        agent: false, // a fresh connection, so it really comes from localAddress
        headers: {
          ...opts.headers,
          ...(opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The cookie header a browser would send back after this answer (name=value pairs only). */
export function cookiesOf(answer: Answer, earlier = ''): string {
  const fresh = (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
  const names = new Set(fresh.map((c) => c.split('=')[0]));
  const kept = earlier.split('; ').filter((c) => c && !names.has(c.split('=')[0]));
  return [...kept, ...fresh].join('; ');
}
