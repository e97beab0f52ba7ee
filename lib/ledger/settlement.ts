// What a gift settled at in the account's currency, and the campaign it can count in with it:
// a campaign counts in its own currency, so a gift that settled in another one is kept (and
// shown to staff) outside every campaign, as any money in another currency always was.
import type { SqlTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';

export type Settlement = Pick<Contribution, 'settled_minor' | 'settled_currency'>;

export const UNSETTLED: Settlement = Object.freeze({ settled_minor: null, settled_currency: null });

/** Stripe's figure as the ledger stores it; null when not known. */
export function settlementOf(f: { settledMinor?: number | null; settledCurrency?: string | null }): Settlement | null {
  return f.settledMinor == null || f.settledCurrency == null
    ? null
    : { settled_minor: f.settledMinor, settled_currency: f.settledCurrency };
}

/** Whether a campaign in `campaignCurrency` may count a gift settled in `settledCurrency` (null: not yet known, it waits there). */
export const countsIn = (campaignCurrency: string, settledCurrency: string | null) =>
  settledCurrency === null || settledCurrency === campaignCurrency;

/** The gift's campaign once its settlement is known: the same, or none when it settled in another currency. */
export async function campaignOnceSettled(
  trx: SqlTx,
  campaignId: number | null,
  settledCurrency: string,
): Promise<number | null> {
  if (campaignId === null) return null;
  const campaign = await trx.first<{ currency: string }>('select currency from campaigns where id = ?', [campaignId]);
  return campaign && countsIn(campaign.currency, settledCurrency) ? campaignId : null;
}
