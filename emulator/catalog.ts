// The emulator's Products and Prices APIs (/v1/products, /v1/prices), as Stripe's reference
// describes them: create, retrieve, update, list with its filters (prices by lookup_keys,
// product, active, type, currency, recurring[interval]); a lookup key belongs to one price at a
// time (another's is refused unless transfer_lookup_key moves it). Each change sends the event
// Stripe sends (product.created/updated, price.created/updated, with previous_attributes).
import type { Request, Router } from 'express';
import type Stripe from 'stripe';
import { expand, expandList, listOf, queryOf, type Idempotent } from './api.ts';
import * as catalog from './catalog-objects.ts';
import { nowSeconds } from './objects.ts';
import * as p from './params.ts';
import { changedFrom } from './renewals.ts';
import { found, type EmulatorState } from './state.ts';

const PRODUCT_CREATE = [
  ...['id', 'name', 'active', 'description', 'metadata', 'url', 'statement_descriptor', 'unit_label'],
  ...['default_price_data', 'images', 'shippable', 'tax_code', 'type', 'expand'],
];
const PRODUCT_UPDATE = ['name', 'active', 'description', 'metadata', 'url', 'default_price', 'unit_label', 'expand'];
const PRICE_CREATE = [
  ...['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'lookup_key', 'transfer_lookup_key'],
  ...['metadata', 'nickname', 'active', 'tax_behavior', 'billing_scheme', 'expand'],
];
const PRICE_UPDATE = ['active', 'metadata', 'lookup_key', 'transfer_lookup_key', 'nickname', 'tax_behavior', 'expand'];
const INTERVALS = ['day', 'week', 'month', 'year'] as const;
/** Stripe's longest billing period: three years. */
const MAX_INTERVAL_COUNT: Record<(typeof INTERVALS)[number], number> = { day: 1095, week: 156, month: 36, year: 3 };

const nullable = (v: unknown, param: string): string | null =>
  v === undefined || v === '' ? null : (p.stringParam(v, param) ?? null);

export class Catalog {
  constructor(private readonly state: EmulatorState) {}

  createProduct(b: p.Params, param = ''): Stripe.Product {
    p.onlyKnown(b, PRODUCT_CREATE, param);
    const at = (name: string) => (param ? `${param}[${name}]` : name);
    const name = p.stringParam(b.name, at('name'));
    if (!name) throw p.missingParam(at('name'));
    const id = p.stringParam(b.id, at('id'));
    if (id !== undefined && this.state.products.has(id))
      throw p.invalid(`Product already exists.`, at('id'), 'resource_already_exists');
    const product = catalog.product({
      ...(id ? { id } : {}),
      name,
      active: b.active === undefined ? true : p.booleanParam(b.active, at('active')),
      description: nullable(b.description, at('description')),
      metadata: p.metadataParam(b.metadata, {}, at('metadata')),
      url: b.url === undefined || b.url === '' ? null : p.urlParam(b.url, at('url')),
      unit_label: nullable(b.unit_label, at('unit_label')),
      statement_descriptor: nullable(b.statement_descriptor, at('statement_descriptor')),
    });
    const priceData =
      b.default_price_data === undefined ? null : p.objectParam(b.default_price_data, 'default_price_data');
    // Checked before anything is stored, so a bad default price leaves no product behind.
    const price = priceData
      ? this.newPrice({ ...priceData, product: product.id }, 'default_price_data', product)
      : null;
    this.state.products.set(product.id, product);
    this.state.emit('product.created', product);
    if (price) {
      this.storePrice(price);
      product.default_price = price.id;
    }
    return product;
  }

  product(id: string): Stripe.Product {
    return found(this.state.products.get(id), 'product', id);
  }

  updateProduct(id: string, b: p.Params): Stripe.Product {
    const product = this.product(id);
    p.onlyKnown(b, PRODUCT_UPDATE);
    const next: Stripe.Product = { ...product };
    if (b.name !== undefined) next.name = p.stringParam(b.name, 'name') || product.name;
    if (b.active !== undefined) next.active = p.booleanParam(b.active, 'active');
    if (b.description !== undefined) next.description = nullable(b.description, 'description');
    if (b.url !== undefined) next.url = b.url === '' ? null : p.urlParam(b.url, 'url');
    if (b.unit_label !== undefined) next.unit_label = nullable(b.unit_label, 'unit_label');
    next.metadata = p.metadataParam(b.metadata, product.metadata);
    if (b.default_price !== undefined) {
      const priceId = String(b.default_price);
      const price = priceId === '' ? null : this.state.prices.get(priceId);
      if (price === undefined) throw p.noSuch('price', priceId, 'default_price');
      if (price && price.product !== product.id)
        throw p.invalid(`The price ${priceId} does not belong to product ${product.id}.`, 'default_price');
      next.default_price = price?.id ?? null;
    }
    return this.commit(product, next, 'product.updated');
  }

  createPrice(b: p.Params): Stripe.Price {
    p.onlyKnown(b, PRICE_CREATE);
    const productData = b.product_data === undefined ? null : p.objectParam(b.product_data, 'product_data');
    if (productData && b.product !== undefined)
      throw p.invalid('You may only specify one of these parameters: product, product_data.', 'product');
    if (!productData && (b.product === undefined || b.product === ''))
      throw p.invalid('You must specify either `product` or `product_data` when creating a price.', 'product');
    let made: Stripe.Product | undefined;
    if (productData) {
      // Checked in full before anything is stored: a product_data product is only made with its price.
      p.onlyKnown(productData, ['name', 'active', 'metadata', 'statement_descriptor', 'unit_label'], 'product_data');
      const name = p.stringParam(productData.name, 'product_data[name]');
      if (!name) throw p.missingParam('product_data[name]');
      made = catalog.product({ name, ...this.productFields(productData) });
    }
    const productId = made?.id ?? String(b.product);
    const { product_data: _pd, ...rest } = b;
    const price = this.newPrice({ ...rest, product: productId }, '', made);
    if (made) {
      this.state.products.set(made.id, made);
      this.state.emit('product.created', made);
    }
    this.storePrice(price);
    return price;
  }

  price(id: string): Stripe.Price {
    return found(this.state.prices.get(id), 'price', id);
  }

  updatePrice(id: string, b: p.Params): Stripe.Price {
    const price = this.price(id);
    p.onlyKnown(b, PRICE_UPDATE);
    const next: Stripe.Price = { ...price };
    if (b.active !== undefined) next.active = p.booleanParam(b.active, 'active');
    if (b.nickname !== undefined) next.nickname = nullable(b.nickname, 'nickname');
    if (b.tax_behavior !== undefined)
      next.tax_behavior = p.enumParam(b.tax_behavior, 'tax_behavior', ['inclusive', 'exclusive', 'unspecified']);
    next.metadata = p.metadataParam(b.metadata, price.metadata);
    const transfer =
      b.transfer_lookup_key !== undefined && p.booleanParam(b.transfer_lookup_key, 'transfer_lookup_key');
    if (b.lookup_key !== undefined) {
      next.lookup_key = b.lookup_key === '' ? null : this.lookupKey(b.lookup_key, transfer, price.id);
      if (next.lookup_key) this.takeLookupKey(next.lookup_key, price.id);
    }
    return this.commit(price, next, 'price.updated');
  }

  /** GET /v1/prices: active ones unless `active=false` (as Stripe's reference says), never inline ones. */
  listPrices(req: Request): Stripe.ApiList<Stripe.Price> {
    const q = queryOf(req);
    const keys = p.arrayParam(q.lookup_keys, 'lookup_keys');
    if (keys.length > 10) throw p.invalid('You may only specify up to 10 lookup_keys.', 'lookup_keys');
    const active = q.active === undefined ? true : p.booleanParam(q.active, 'active');
    const recurring = p.objectParam(q.recurring, 'recurring');
    const matches = (x: Stripe.Price) =>
      !this.state.inlinePrices.has(x.id) &&
      x.active === active &&
      (keys.length === 0 || keys.includes(x.lookup_key)) &&
      (q.product === undefined || x.product === q.product) &&
      (q.currency === undefined || x.currency === q.currency) &&
      (recurring.interval === undefined || x.recurring?.interval === recurring.interval);
    const prices = new Map([...this.state.prices].filter(([, x]) => matches(x)));
    return listOf(this.state, prices, req, '/v1/prices');
  }

  /** GET /v1/products: `active`, `ids[]`, `shippable`, `url` (and `type`, `created` as every list). */
  listProducts(req: Request): Stripe.ApiList<Stripe.Product> {
    const q = queryOf(req);
    const ids = p.arrayParam(q.ids, 'ids');
    const active = q.active === undefined ? null : p.booleanParam(q.active, 'active');
    const matches = (x: Stripe.Product) =>
      (active === null || x.active === active) &&
      (ids.length === 0 || ids.includes(x.id)) &&
      (q.url === undefined || x.url === q.url) &&
      (q.shippable === undefined || String(x.shippable) === q.shippable);
    const products = new Map([...this.state.products].filter(([, x]) => matches(x)));
    return listOf(this.state, products, req, '/v1/products');
  }

  private productFields(b: p.Params): Partial<Stripe.Product> {
    return {
      active: b.active === undefined ? true : p.booleanParam(b.active, 'product_data[active]'),
      metadata: p.metadataParam(b.metadata, {}, 'product_data[metadata]'),
      statement_descriptor: nullable(b.statement_descriptor, 'product_data[statement_descriptor]'),
      unit_label: nullable(b.unit_label, 'product_data[unit_label]'),
    };
  }

  /** A price checked in full, not stored yet. `param` prefixes the names in errors (default_price_data). */
  private newPrice(b: p.Params, param: string, newProduct?: Stripe.Product): Stripe.Price {
    const at = (...path: string[]) => {
      const [head, ...rest] = param ? [param, ...path] : path;
      return `${head}${rest.map((x) => `[${x}]`).join('')}`;
    };
    const productId = String(b.product);
    if (!newProduct && !this.state.products.has(productId)) throw p.noSuch('product', productId, at('product'));
    const currency = p.stringParam(b.currency, at('currency'));
    if (!currency) throw p.missingParam(at('currency'));
    if (!/^[a-z]{3}$/.test(currency)) throw p.invalid(`Invalid currency: ${currency}.`, at('currency'));
    if (b.billing_scheme !== undefined && b.billing_scheme !== 'per_unit')
      throw p.invalid('The emulator makes per_unit prices only.', at('billing_scheme'));
    if (b.unit_amount === undefined) throw p.missingParam(at('unit_amount'));
    const unitAmount = p.integerParam(b.unit_amount, at('unit_amount'));
    if (unitAmount < 0 || unitAmount > 99_999_999)
      throw p.invalid('Invalid unit_amount: from 0 to 99999999.', at('unit_amount'), 'parameter_invalid_integer');
    let recurring: Stripe.Price.Recurring | null = null;
    if (b.recurring !== undefined) {
      const r = p.objectParam(b.recurring, at('recurring'));
      const interval = p.enumParam(r.interval, at('recurring', 'interval'), INTERVALS);
      const countParam = at('recurring', 'interval_count');
      const count = r.interval_count === undefined ? 1 : p.integerParam(r.interval_count, countParam);
      if (count < 1 || count > MAX_INTERVAL_COUNT[interval])
        throw p.invalid('The maximum billing period is three years.', countParam);
      recurring = catalog.recurring(interval, count);
    }
    const transfer =
      b.transfer_lookup_key !== undefined && p.booleanParam(b.transfer_lookup_key, 'transfer_lookup_key');
    return catalog.price({
      currency,
      unit_amount: unitAmount,
      product: productId,
      recurring,
      type: recurring ? 'recurring' : 'one_time',
      active: b.active === undefined ? true : p.booleanParam(b.active, at('active')),
      lookup_key: b.lookup_key === undefined ? null : this.lookupKey(b.lookup_key, transfer),
      nickname: nullable(b.nickname, at('nickname')),
      metadata: p.metadataParam(b.metadata, {}, at('metadata')),
      tax_behavior:
        b.tax_behavior === undefined
          ? 'unspecified'
          : p.enumParam(b.tax_behavior, at('tax_behavior'), ['inclusive', 'exclusive', 'unspecified']),
    });
  }

  private storePrice(price: Stripe.Price): void {
    if (price.lookup_key) this.takeLookupKey(price.lookup_key, price.id);
    this.state.prices.set(price.id, price);
    this.state.emit('price.created', price);
  }

  /** A lookup key for `self`: refused while another price holds it, unless it is to be transferred. */
  private lookupKey(v: unknown, transfer: boolean, self?: string): string {
    const key = p.stringParam(v, 'lookup_key', 200);
    if (!key) throw p.invalid('Invalid lookup_key: a string of 1 to 200 characters.', 'lookup_key');
    const holder = [...this.state.prices.values()].find((x) => x.lookup_key === key && x.id !== self);
    if (holder && !transfer)
      throw p.invalid(
        `A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price.`,
        'lookup_key',
      );
    return key;
  }

  /** transfer_lookup_key: the key leaves the price that held it (price.updated for that one). */
  private takeLookupKey(key: string, to: string): void {
    for (const holder of this.state.prices.values()) {
      if (holder.lookup_key !== key || holder.id === to) continue;
      this.commit(holder, { ...holder, lookup_key: null }, 'price.updated');
    }
  }

  /** Applies `next` to `obj` and sends `type` with what changed, if anything did. */
  private commit<T extends Stripe.Product | Stripe.Price>(
    obj: T,
    next: T,
    type: 'product.updated' | 'price.updated',
  ): T {
    const previous = changedFrom(obj, next);
    if (Object.keys(previous).length === 0) return obj;
    if ('updated' in next) next.updated = nowSeconds();
    Object.assign(obj, next);
    this.state.emit(type, obj, previous);
    return obj;
  }
}

export function catalogRoutes(router: Router, state: EmulatorState, idempotent: Idempotent): void {
  const cat = new Catalog(state);
  const body = (req: Request) => (req.body ?? {}) as p.Params;
  const id = (req: Request) => String(req.params.id);
  router.post(
    '/v1/products',
    idempotent((req) => cat.createProduct(body(req))),
  );
  router.get('/v1/products', (req, res) => void res.json(cat.listProducts(req)));
  router.get('/v1/products/:id', (req, res) => void res.json(expand(state, cat.product(id(req)), expandList(req))));
  router.post(
    '/v1/products/:id',
    idempotent((req) => cat.updateProduct(id(req), body(req))),
  );
  router.post(
    '/v1/prices',
    idempotent((req) => cat.createPrice(body(req))),
  );
  router.get('/v1/prices', (req, res) => void res.json(cat.listPrices(req)));
  router.get('/v1/prices/:id', (req, res) => void res.json(expand(state, cat.price(id(req)), expandList(req))));
  router.post(
    '/v1/prices/:id',
    idempotent((req) => cat.updatePrice(id(req), body(req))),
  );
}
