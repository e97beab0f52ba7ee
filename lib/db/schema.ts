// Table types for Kysely. Timestamps are ISO-8601 UTC strings (they sort and compare the
// same on SQLite and PostgreSQL); money is integer minor units.
import type { Generated, Selectable } from 'kysely';
// The values some columns may hold are the owning module's vocabulary, named there.
import type { ContributionStatus, Frequency, PledgeStatus, TimeSource } from '../ledger/types.ts';
import type { StaffRole } from '../staff/users.ts';

export interface CampaignsTable {
  id: Generated<number>;
  slug: string;
  goal_minor: number;
  /** E-mail of the staff member who set the goal; null = FUNDRAISER_GOAL applies. */
  goal_set_by: string | null;
  /** What the appeal says once the goal is reached (staff set it); null = the plain thanks. */
  stretch_message: string | null;
  currency: string;
  starts_at: string;
  ends_at: string;
  created_at: string;
  updated_at: string;
}

/** One row per campaign, updated in the same transaction as every contribution change. */
export interface CampaignTotalsTable {
  campaign_id: number;
  /** Net: what the bar shows. gross - refunded - dispute_lost. */
  raised_minor: number;
  gross_minor: number;
  refunded_minor: number;
  /** Under an open dispute: still counted, shown to staff. */
  disputed_minor: number;
  dispute_lost_minor: number;
  donors: number;
  updated_at: string;
}

/** The staff chart per campaign and paid day (lib/ledger/rollups.ts), kept with every contribution change. */
export interface DailyFiguresTable {
  campaign_id: number;
  /** The paid day, YYYY-MM-DD (UTC). */
  day: string;
  gifts: number;
  /** What they count toward the goal (figuresOf's raised), in the campaign's currency. */
  counted_minor: number;
}

/** The staff figures per campaign and kind of gift (lib/ledger/rollups.ts), kept with every contribution change. */
export interface GiftFiguresTable {
  campaign_id: number;
  frequency: Frequency;
  /** The gifts' own currency. */
  currency: string;
  /** Two letters, or '' when not known. */
  language: string;
  /** amount_minor - fee_cover_minor: the tile the donor chose. */
  gift_minor: number;
  gifts: number;
  /** In the gifts' own currency. */
  amount_minor: number;
  /** What they count toward the goal (figuresOf's raised), in the campaign's currency. */
  counted_minor: number;
  /** Settled ones (counted); the others await Stripe's settlement. */
  counted_gifts: number;
  /** Donors whose first paid gift in this campaign and language is here. */
  donors: number;
}

export interface ContributionsTable {
  id: Generated<number>;
  /** The Stripe object that carries the money: the Checkout Session (cs_) of a one-off gift, the invoice (in_) of a monthly one. */
  stripe_id: string;
  checkout_session_id: string | null;
  subscription_id: string | null;
  /** Who counts as one donor: the session of a one-off gift, the subscription of a pledge. */
  donor_key: string;
  payment_intent_id: string | null;
  customer_id: string | null;
  email: string | null;
  donor_name: string | null;
  /** 'stripe', or 'manual' for an offline gift (a cheque) staff entered, with its reason in note. */
  source: 'stripe' | 'manual';
  note: string | null;
  frequency: Frequency;
  status: ContributionStatus;
  currency: string;
  amount_minor: number;
  /** The part of amount_minor the donor added to cover fees (Checkout metadata); 0 for none. */
  fee_cover_minor: Generated<number>;
  /** Refunded so far, from Stripe's cumulative amount_refunded on the gift's charges. */
  refunded_minor: number;
  /** Under an open dispute. */
  disputed_minor: number;
  /** Lost in a closed dispute. */
  dispute_lost_minor: number;
  /** 1 on the one row that counts its donor (session or pledge) in its campaign. */
  counted_donor: number;
  /**
   * What Stripe settled in the account's currency (the charge's balance transaction's gross
   * `amount`), which is what counts toward the goal; = amount_minor for a gift in its campaign's
   * currency. Null until Stripe has it (the gift waits, uncounted).
   */
  settled_minor: number | null;
  settled_currency: string | null;
  /** The reader's language (2 letters) from the checkout's metadata; null = unknown. */
  language: string | null;
  campaign_id: number | null;
  paid_at: string | null;
  /** Where paid_at came from (see TimeSource): a better source later corrects it, and the campaign with it. */
  paid_at_source: TimeSource | null;
  created_at: string;
  updated_at: string;
}

export interface PledgesTable {
  subscription_id: string;
  checkout_session_id: string | null;
  customer_id: string | null;
  email: string | null;
  currency: string;
  amount_minor: number;
  status: PledgeStatus;
  created_at: string;
  updated_at: string;
  /** Stripe's time of the snapshot the status came from (null: set before states were tracked). */
  status_at: string | null;
  ends_at: string | null;
  /** Failed attempts at the renewal now due; 0 once the pledge is back to giving. */
  failed_payments: number;
  next_retry_at: string | null;
}

export type Pledge = Selectable<PledgesTable>;

export interface LedgerChargesTable {
  id: string;
  payment_intent_id: string | null;
  invoice_id: string | null;
  currency: string;
  amount_minor: number;
  amount_refunded_minor: number;
  /** The charge's balance transaction (gross amount, currency), once read; it never changes after. */
  settled_minor: number | null;
  settled_currency: string | null;
  /** Stripe's time for the snapshot the refunded amount came from; newer snapshots win. */
  observed_at: string;
  updated_at: string;
}

export interface LedgerDisputesTable {
  id: string;
  charge_id: string;
  payment_intent_id: string | null;
  invoice_id: string | null;
  amount_minor: number;
  status: string;
  observed_at: string;
  updated_at: string;
}

export interface WebhookStatusTable {
  id: number;
  last_received_at: string;
  last_event_id: string;
  last_event_type: string;
  /** The API version of the last event rendered in another one than the pinned version, and when. */
  other_api_version: string | null;
  other_api_version_at: string | null;
}

/** A signed event the ledger refused, acknowledged to Stripe and kept for staff to look into. */
export interface RefusedEventsTable {
  event_id: string;
  type: string;
  reason: string;
  first_at: string;
  last_at: string;
  attempts: number;
}

export interface StaffUsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  role: StaffRole;
  created_at: string;
  updated_at: string;
}

export interface StaffSessionsTable {
  sid: string;
  staff_user_id: number | null;
  data: string;
  expires_at: string;
}

export interface StaffAuditTable {
  id: Generated<number>;
  at: string;
  staff_email: string;
  action: string;
  detail: string;
}

export interface RateLimitsTable {
  key: string;
  hits: number;
  reset_at: string;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  object_id: string | null;
  outcome: string;
  received_at: string;
}

/** An appeal experiment; `variants` is JSON (lib/experiments/rules.ts checks it). */
export interface ExperimentsTable {
  id: Generated<number>;
  name: string;
  surface: 'appeal' | 'banner';
  status: 'draft' | 'running' | 'stopped';
  variants: string;
  /** The variant an admin made the default, if any. */
  winner: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  stopped_at: string | null;
}

/** Readers shown a variant, clicks from the banner, checkouts started: added in batches. */
export interface ExperimentCountsTable {
  experiment_id: number;
  variant: string;
  kind: 'impression' | 'click' | 'checkout';
  count: number;
}

/** The variant a gift's checkout was started from, written once with the gift. */
export interface ExperimentGiftsTable {
  experiment_id: number;
  contribution_id: number;
  variant: string;
}

/** The defaults a winning variant set, per surface; JSON overrides over the content files and settings. */
export interface AppealDefaultsTable {
  surface: 'appeal' | 'banner';
  overrides: string;
  updated_by: string;
  updated_at: string;
}

export interface Database {
  appeal_defaults: AppealDefaultsTable;
  campaigns: CampaignsTable;
  campaign_totals: CampaignTotalsTable;
  contributions: ContributionsTable;
  daily_figures: DailyFiguresTable;
  experiments: ExperimentsTable;
  experiment_counts: ExperimentCountsTable;
  experiment_gifts: ExperimentGiftsTable;
  gift_figures: GiftFiguresTable;
  ledger_charges: LedgerChargesTable;
  ledger_disputes: LedgerDisputesTable;
  pledges: PledgesTable;
  rate_limits: RateLimitsTable;
  refused_events: RefusedEventsTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  staff_audit: StaffAuditTable;
  stripe_events: StripeEventsTable;
  webhook_status: WebhookStatusTable;
}

export type Campaign = Selectable<CampaignsTable>;
export type Contribution = Selectable<ContributionsTable>;
