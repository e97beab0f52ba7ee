// Webhook bookkeeping: every Stripe event id is stored once, in the same transaction as what
// it changed (so a replay changes nothing), and the time of the last webhook is kept for the
// staff view and the silence alert.
import type { SqlTx } from '../db/statements.ts';
import { isPostgres } from '../db/dialect.ts';
import type { LedgerContext } from './context.ts';
import { checkEventRef, checkId, isStripeId } from './facts-check.ts';
import type { EventRef, LastWebhook, RefusedEvents } from './types.ts';

const INSERT_EVENT =
  'insert into stripe_events (id, type, object_id, outcome, received_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing';

/** Stores the event's id; false when it was already stored (a redelivery). No event, nothing to store. */
export async function firstTimeSeen(
  trx: SqlTx,
  event: EventRef | undefined,
  objectId: string | null,
  outcome: string,
  now: Date,
): Promise<boolean> {
  if (!event) return true;
  return (await trx.run(INSERT_EVENT, [event.id, event.type, objectId, outcome, now.toISOString()])) > 0;
}

export function webhookStatus(ctx: LedgerContext) {
  const { db } = ctx;
  return {
    async noteWebhook(event: EventRef, at: Date, otherApiVersion?: string): Promise<void> {
      if (ctx.dryRun) return;
      checkEventRef(event);
      if (otherApiVersion) checkId('the API version', otherApiVersion);
      const values = {
        last_received_at: at.toISOString(),
        last_event_id: event.id,
        last_event_type: event.type,
        ...(otherApiVersion ? { other_api_version: otherApiVersion, other_api_version_at: at.toISOString() } : {}),
      };
      await db
        .insertInto('webhook_status')
        .values({ id: 1, ...values })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
    },

    async noteRefusedEvent(event: EventRef, reason: string, at: Date): Promise<void> {
      if (ctx.dryRun) return;
      const when = at.toISOString();
      // What a refused event carries may be what made it refused (NUL, which PostgreSQL's text
      // refuses; megabytes): kept readable and short, so keeping it never fails in turn.
      const text = (v: unknown, max: number) => String(v).replace(/\0/g, '\uFFFD').slice(0, max);
      event = { id: text(event.id, 255), type: text(event.type, 100) };
      reason = text(reason, 1000);
      await db
        .insertInto('refused_events')
        .values({ event_id: event.id, type: event.type, reason, first_at: when, last_at: when, attempts: 1 })
        .onConflict((oc) =>
          oc.column('event_id').doUpdateSet((eb) => ({
            reason,
            last_at: when,
            attempts: eb('refused_events.attempts', '+', 1),
          })),
        )
        .execute();
    },

    async refusedEvents(since: Date): Promise<RefusedEvents> {
      // One that was later recorded after all (a fix, then a reconcile) no longer counts.
      const open = db
        .selectFrom('refused_events')
        .where('last_at', '>=', since.toISOString())
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('stripe_events').select('id').whereRef('stripe_events.id', '=', 'refused_events.event_id'),
            ),
          ),
        );
      const counted = await open.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      const latest = await open
        .select(['event_id as id', 'type', 'reason', 'last_at as at'])
        .orderBy('last_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return { count: Number(counted?.n ?? 0), latest: latest ?? null };
    },

    async recordedEvent(eventId: string): Promise<boolean> {
      // SQLite has one connection, held by the writer's open transaction while it runs: a read
      // there waits for the batch anyway, and costs more than the writer's own check (measured:
      // redeliveries at half the rate). PostgreSQL reads committed rows on a connection of its own.
      if (!isPostgres(db) || !isStripeId(eventId)) return false;
      const row = await db.selectFrom('stripe_events').select('id').where('id', '=', eventId).executeTakeFirst();
      return row !== undefined;
    },

    async lastWebhook(): Promise<LastWebhook | null> {
      const row = await db.selectFrom('webhook_status').selectAll().where('id', '=', 1).executeTakeFirst();
      if (!row) return null;
      const other =
        row.other_api_version && row.other_api_version_at
          ? { version: row.other_api_version, at: row.other_api_version_at }
          : null;
      return {
        at: row.last_received_at,
        eventId: row.last_event_id,
        type: row.last_event_type,
        otherApiVersion: other,
      };
    },
  };
}
