// Keeping each campaign's running totals in step when a contribution changes, inside the
// caller's transaction, as plain SQL (lib/db/statements.ts: this is the webhook's path).
import type { SqlTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';
import { settleRollups, type RolledUp } from './rollups.ts';
import { FIGURE_COLUMNS, FIGURE_NAMES, figuresOf, ZERO, type Figures } from './figures.ts';

interface Change extends Figures {
  donors: number;
}

const ADD_TO_TOTALS =
  'update campaign_totals set ' +
  [...FIGURE_NAMES.map((f) => FIGURE_COLUMNS[f]), 'donors'].map((c) => `${c} = ${c} + ?`).join(', ') +
  ', updated_at = ? where campaign_id = ?';

/**
 * Moves the totals from what `before` contributed to what `after` contributes: one update per
 * campaign touched, and the per-day rollups with them (rollups.ts). A change that moves no figure (a better paid-at time in the same
 * campaign) leaves the totals row, and so the public updatedAt, as it was.
 */
export async function settleTotals(
  trx: SqlTx,
  before: Contribution | undefined,
  after: Contribution,
  at: string,
): Promise<void> {
  const changes = new Map<number, Change>();
  const add = (campaignId: number | null, f: Figures, sign: 1 | -1, donors = 0) => {
    if (campaignId === null) return;
    const c = changes.get(campaignId) ?? { ...ZERO, donors: 0 };
    for (const name of FIGURE_NAMES) c[name] += sign * f[name];
    c.donors += donors;
    changes.set(campaignId, c);
  };
  if (before) add(before.campaign_id, figuresOf(before), -1);
  // A gift moved to another campaign (a better paid-at time) took its donor flag along: the flag
  // was the old campaign's, so it comes off there and the recounts below start from it cleared.
  if (before && before.campaign_id !== after.campaign_id && Number(after.counted_donor) === 1) {
    await trx.run('update contributions set counted_donor = 0 where id = ?', [after.id]);
    add(before.campaign_id, ZERO, 1, -1);
  }
  add(after.campaign_id, figuresOf(after), 1);
  // The donor's gifts, read once (as they stand after this change) for both recounts below.
  const donorGifts = await trx.all<DonorGift>(DONOR_GIFTS, [after.donor_key]);
  add(after.campaign_id, ZERO, 1, await recountDonor(trx, donorGifts, after.campaign_id));
  if (before && before.campaign_id !== after.campaign_id) {
    add(before.campaign_id, ZERO, 1, await recountDonor(trx, donorGifts, before.campaign_id));
  }
  for (const [campaignId, c] of changes) {
    if (!c.donors && FIGURE_NAMES.every((name) => !c[name])) continue;
    // Added to the transaction's sums: one update of the row per batch of writes, at commit.
    trx.sums.add(`campaign_totals ${campaignId}`, [...FIGURE_NAMES.map((name) => c[name]), c.donors], (values) =>
      trx.run(ADD_TO_TOTALS, [...values, at, campaignId]),
    );
  }
  // The staff dashboard's per-day figures move with the totals, in the same transaction.
  settleRollups(trx, before, after, donorGifts);
}

// Every gift of the donor (one session, or one pledge's months): few rows, by index.
const DONOR_GIFTS =
  'select id, counted_donor, status, campaign_id, paid_at, frequency, currency, language, amount_minor, fee_cover_minor, ' +
  'settled_minor, refunded_minor, disputed_minor, dispute_lost_minor from contributions where donor_key = ? order by id';

type DonorGift = Pick<Contribution, 'counted_donor'> & RolledUp;

/**
 * A donor (one session, or one monthly pledge however many months it pays) counts once per
 * campaign while any of their gifts there still has money in it: one row carries the flag.
 * Returns how the campaign's donor count changes.
 */
async function recountDonor(trx: SqlTx, donorGifts: DonorGift[], campaignId: number | null): Promise<number> {
  if (campaignId === null) return 0;
  const rows = donorGifts.filter((r) => Number(r.campaign_id) === campaignId);
  const flagged = rows.filter((r) => Number(r.counted_donor) === 1);
  const counting = rows.filter((r) => figuresOf(r).raised > 0);
  const keep = flagged.find((r) => counting.includes(r)) ?? counting[0];
  for (const r of flagged) {
    if (r !== keep) await trx.run('update contributions set counted_donor = 0 where id = ?', [r.id]);
  }
  if (keep && Number(keep.counted_donor) !== 1)
    await trx.run('update contributions set counted_donor = 1 where id = ?', [keep.id]);
  return (keep ? 1 : 0) - flagged.length;
}
