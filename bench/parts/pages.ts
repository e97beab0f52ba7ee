// The public pages: each against a bare Express and a raw node:http constant of its size, and
// the same request at the small and the large ledger. Plain, and with a browser's
// Accept-Encoding against a constant of the compressed size: the ratio is then what choosing
// the encoding costs.
import { compare, pairedP50Ratio } from '../compare.ts';
import { startBaseline, stop } from '../processes.ts';
import { pick, type Row } from '../report.ts';
import { log, spec, type BenchApp } from '../settings.ts';

const BROWSER = { 'accept-encoding': 'gzip, deflate, br, zstd' };

interface Page {
  scenario: string;
  path: string;
  accept?: Record<string, string>;
  headers?: (etag: string | null) => Record<string, string>;
  /** Readers in several languages: each request sends the next of these. */
  cycle?: Array<Record<string, string>>;
  /** The target against raw node:http serving a constant of the same size (issue #20). */
  vsNode?: number;
}

export const PAGES: Page[] = [
  { scenario: 'GET / (appeal)', path: '/', vsNode: 0.8 },
  // Four offered languages and one the site lacks (English then), as a page view each: one
  // prebuilt body per language, so the ratio should stay within noise of the row above.
  {
    scenario: 'GET / (appeal), Accept-Language varied',
    path: '/',
    cycle: ['en-US,en;q=0.9', 'de-DE,de;q=0.9', 'fr-FR,fr;q=0.9', 'es-ES,es;q=0.9', 'pt-BR,pt;q=0.9'].map((l) => ({
      'accept-language': l,
    })),
  },
  { scenario: 'GET / (appeal), a browser: gzip', path: '/', accept: BROWSER },
  { scenario: 'GET /api/progress', path: '/api/progress', vsNode: 0.9 },
  {
    scenario: 'GET /api/progress, If-None-Match (304)',
    path: '/api/progress',
    headers: (etag) => ({ 'if-none-match': etag ?? '' }),
  },
  { scenario: 'GET /embed/banner', path: '/embed/banner' },
  { scenario: 'GET /embed/banner, a browser: br', path: '/embed/banner', accept: BROWSER },
];

/** The size on the wire (fetch decodes a compressed body, so Content-Length says it) and the ETag. */
async function bodySize(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ bytes: number; etag: string | null }> {
  const res = await fetch(url, { headers });
  const text = await res.arrayBuffer();
  return { bytes: Number(res.headers.get('content-length') ?? text.byteLength), etag: res.headers.get('etag') };
}

export async function pageRows(small: BenchApp, large: BenchApp, pages: Page[], prefix = ''): Promise<Row[]> {
  const rows: Row[] = [];
  for (const p of pages) {
    const accept = p.accept ?? {};
    const { bytes, etag: smallEtag } = await bodySize(small.url + p.path, accept);
    const largeEtag = (await bodySize(large.url + p.path, accept)).etag;
    const express = await startBaseline('express', bytes);
    const node = await startBaseline('node', bytes);
    const baseEtag = (await bodySize(express.url)).etag;
    const r = await compare(prefix + p.scenario, {
      express: spec(express.url, { headers: p.headers?.(baseEtag) }),
      node: spec(node.url),
      small: spec(small.url + p.path, { headers: { ...accept, ...p.headers?.(smallEtag) }, cycleHeaders: p.cycle }),
      large: spec(large.url + p.path, { headers: { ...accept, ...p.headers?.(largeEtag) }, cycleHeaders: p.cycle }),
    });
    stop(express);
    stop(node);
    const ratio = r.small!.rps / r.express!.rps;
    const vsNode = r.small!.rps / r.node!.rps;
    const targets = ['>= 0.9 x bare Express', ...(p.vsNode ? [`>= ${p.vsNode} x raw node:http`] : [])];
    rows.push({
      scenario: `${prefix}${p.scenario} at ${small.gifts.toLocaleString('en')} gifts`,
      ...pick(r.small!),
      baseline: `bare Express ${bytes} B${p.headers ? ' (304)' : ''}`,
      ratio,
      vsNode,
      target: targets.join(', '),
      pass: ratio >= 0.9 && (!p.vsNode || vsNode >= p.vsNode),
    });
    const flat = pairedP50Ratio(r.large!, r.small!);
    rows.push({
      scenario: `${prefix}${p.scenario} at ${large.gifts.toLocaleString('en')} gifts`,
      ...pick(r.large!),
      ratio: flat,
      target: `p50 <= 1.1 x p50 at ${small.gifts.toLocaleString('en')}`,
      pass: flat <= 1.1,
      note: 'ratio: p50 against the row above, round by round (median)',
    });
    if (r.small!.non2xx + r.large!.non2xx > 0 && !p.headers)
      log(`  warning: ${r.small!.non2xx + r.large!.non2xx} non-2xx answers`);
  }
  return rows;
}
