// Reads every GET route of the emulator's API, found in its router rather than listed here (a
// new route is read as soon as it exists): each list to its end, and each object it lists again
// by id, plain, with the expansions the site asks for, and with every expandable field expanded.
import type { Router } from 'express';
import type { Harness } from './harness.ts';

/** The expand options the site sends (lib/payments/confirm.ts, reconcile.ts), by route. */
export const SITE_EXPANDS: Record<string, string[][]> = {
  '/v1/checkout/sessions/:id': [
    ['subscription.latest_invoice', 'payment_intent.latest_charge.balance_transaction'],
    ['payment_intent.latest_charge'],
  ],
  '/v1/checkout/sessions': [['data.payment_intent.latest_charge.balance_transaction']],
  '/v1/payment_intents/:id': [['latest_charge.balance_transaction']],
  '/v1/refunds': [['data.charge']],
};

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** The paths of the router's GET routes, nested routers included. */
export function getRoutes(router: Router): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route && layer.route.methods.get && typeof layer.route.path === 'string') out.push(layer.route.path);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((router as unknown as { stack: Layer[] }).stack);
  return out;
}

const query = (expand: string[], extra: Record<string, string> = {}) => {
  const q = new URLSearchParams(extra);
  for (const path of expand) q.append('expand[]', path);
  const text = q.toString();
  return text ? `?${text}` : '';
};

/** A top-level field holding another object's id (`pi_test_...`), which `expand[]` may replace. */
const expandable = (obj: Record<string, unknown>) =>
  Object.entries(obj)
    .filter(([key, value]) => key !== 'id' && typeof value === 'string' && /^[a-z]+_test_\w+$/.test(value))
    .map(([key]) => key);

export interface Read {
  url: string;
  status: number;
  body: unknown;
}

/** GETs every API route; what each answered, in order. Routes with `:id` and no list are reported. */
export async function readEveryRoute(h: Harness): Promise<{ reads: Read[]; unreachable: string[] }> {
  const reads: Read[] = [];
  const get = async (url: string) => {
    const res = await fetch(`${h.emulatorUrl}${url}`, { headers: { authorization: 'Bearer sk_test_contract' } });
    const body: unknown = await res.json();
    reads.push({ url, status: res.status, body });
    return body as { data?: Array<Record<string, unknown>>; has_more?: boolean };
  };
  const routes = getRoutes(h.emulator.router).filter((r) => r.startsWith('/v1/'));
  const lists = routes.filter((r) => !r.includes(':'));
  const unreachable = routes.filter((r) => r.includes(':') && !(r.endsWith('/:id') && lists.includes(r.slice(0, -4))));

  for (const list of lists) {
    const items: Array<Record<string, unknown>> = [];
    for (let page = await get(`${list}${query([], { limit: '100' })}`); ;) {
      items.push(...(page.data ?? []));
      const last = page.data?.at(-1);
      if (!page.has_more || !last) break;
      page = await get(`${list}${query([], { limit: '100', starting_after: String(last.id) })}`);
    }
    for (const expand of SITE_EXPANDS[list] ?? []) await get(`${list}${query(expand, { limit: '100' })}`);
    if (!routes.includes(`${list}/:id`)) continue;
    for (const item of items) {
      const one = `${list}/${String(item.id)}`;
      await get(one);
      for (const expand of SITE_EXPANDS[`${list}/:id`] ?? []) await get(`${one}${query(expand)}`);
      const fields = expandable(item);
      if (fields.length) await get(`${one}${query(fields)}`);
    }
  }
  return { reads, unreachable };
}
