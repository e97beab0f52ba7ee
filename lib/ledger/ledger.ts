// The only writer of money, put together from its parts. Every change to a gift, its refunds
// and disputes, and the matching change to its campaign's totals happen in one transaction,
// together with the record of the Stripe event that caused them, so a retried or duplicated
// event can never count twice, and events about one gift may arrive in any order.
//
//   gifts.ts        one-off gifts, months of pledges, offline gifts; lookups by payment
//   adjustments.ts  refunds and disputes, folded into their gifts
//   pledges.ts      monthly pledges (link, state: past due, paused, ending, ended)
//   campaigns.ts    campaign rows, the goal, the sync of the settings
//   progress.ts     the figures on show, kept in memory, with a revision
//   reports.ts      what staff see (dashboard, gift list, CSV); reports-currency.ts by currency
//                   and language; statements.ts yearly per donor
//   figures.ts      the counting rule; totals.ts keeps the running totals by it; settlement.ts
//                   what a gift in another currency settled at, and the campaign it counts in
//   stripe-events.ts, change-log.ts, check-totals.ts: bookkeeping and the invariant's check
import { adjustmentWrites } from './adjustments.ts';
import { campaignWrites } from './campaigns.ts';
import { changeLogWrites, recentChanges } from './change-log.ts';
import { ledgerContext, type LedgerDeps } from './context.ts';
import { giftWrites } from './gifts.ts';
import { pledgeWrites } from './pledges.ts';
import { progressReader } from './progress.ts';
import { dashboard, giftPage, giftRecords } from './reports.ts';
import { statementRecords } from './statements.ts';
import { webhookStatus } from './stripe-events.ts';
import type { Ledger } from './types.ts';

export type { LedgerDeps };

export function createLedger(deps: LedgerDeps): Ledger {
  const ctx = ledgerContext(deps);
  const { db } = ctx;
  const progress = progressReader(ctx, deps.progressMaxAgeMs ?? 0);
  const webhooks = webhookStatus(ctx);
  const reportDeps = {
    db,
    clock: ctx.clock,
    progress: () => ledger.progress(),
    lastWebhook: webhooks.lastWebhook,
    refusedEvents: webhooks.refusedEvents,
    webhookWarningHours: deps.webhookWarningHours ?? 24,
    presets: ctx.fundraiser.form.presets,
  };
  const ledger: Ledger = {
    ...giftWrites(ctx),
    ...adjustmentWrites(ctx),
    ...pledgeWrites(ctx),
    ...campaignWrites(ctx),
    ...webhooks,
    progress,
    dashboard: () => dashboard(reportDeps),
    giftPage: (filter, before) => giftPage(db, filter, before),
    giftRecords: (filter, withEmail) => giftRecords(db, filter, withEmail),
    statementRecords: (year) => statementRecords(db, year),
    recentChanges: () => recentChanges(db),
    ...changeLogWrites(db, ctx.clock, ctx.dryRun),
    findPledge: (subscriptionId) =>
      db.selectFrom('pledges').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst(),
  };
  return ledger;
}
