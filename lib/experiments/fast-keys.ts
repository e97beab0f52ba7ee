// The fast lane's key for a page an experiment may change (the appeal, both banners): the
// experiments' revision and the variant shown, "3:12.b"; "3:12.b+" when the response also sets
// the appeal's cookie (the same body, its own headers); "3:-" for a view drawn no variant while
// one runs (a crawler, a HEAD, a forged cookie); "3:" when none runs. Made once per variant, so a
// page view joins no strings.
import { refOf } from './assign.ts';
import type { Surface, Variant } from './rules.ts';
import type { ServingState } from './store.ts';

export function fastKeys() {
  const made = new WeakMap<Variant, { kept: string; fresh: string }>();
  let plain = { revision: -1, none: '', undrawn: '' };
  return (state: ServingState, surface: Surface, variant: Variant | null, fresh = false): string => {
    const running = state.running[surface];
    if (!variant || !running) {
      if (plain.revision !== state.revision)
        plain = { revision: state.revision, none: `${state.revision}:`, undrawn: `${state.revision}:-` };
      return running ? plain.undrawn : plain.none;
    }
    let keys = made.get(variant);
    if (!keys) {
      const kept = `${state.revision}:${refOf(running, variant)}`;
      made.set(variant, (keys = { kept, fresh: `${kept}+` }));
    }
    return fresh ? keys.fresh : keys.kept;
  };
}

/** The variant a key names ("12.b"), or '' ("-" and none name nothing). */
export const refOfKey = (key: string) => key.slice(key.indexOf(':') + 1).replace(/\+$/, '');

/** Whether the key's page was drawn for this view (an experiment runs): no shared cache may keep it. */
export const drawnPerView = (key: string) => !key.endsWith(':');

/** Whether the response sets the appeal's cookie. */
export const setsCookie = (key: string) => key.endsWith('+');
