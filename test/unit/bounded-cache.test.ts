// The caches keyed by what clients send (Accept-Language, Accept-Encoding, locales) must stay
// bounded whatever arrives: anyone can send a new header on every request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../../lib/bounded-cache.ts';
import { staffLocaleOf } from '../../routes/middleware/staff-locale.ts';

describe('a bounded cache', () => {
  it('when a key is asked again, then its value is made once', () => {
    const c = new BoundedCache<string, number>(3);
    let made = 0;
    const make = () => ++made;
    assert.equal(c.get('a', make), 1);
    assert.equal(c.get('a', make), 1);
    assert.equal(made, 1);
  });

  it('when more keys come than the bound, then the oldest goes and the size stays at the bound', () => {
    const c = new BoundedCache<number, number>(3);
    for (let i = 0; i < 1000; i++) c.get(i, () => i);
    assert.equal(c.size, 3);
    let remade = false;
    c.get(0, () => ((remade = true), 0));
    assert.ok(remade, 'the oldest was forgotten');
    assert.equal(c.size, 3);
  });

  it('when a thousand made-up staff locales arrive, then each is cut to a locale Intl knows', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(staffLocaleOf(`de-x-${i.toString(36)}a1`));
    assert.deepEqual([...seen], ['de']);
  });
});
