// Table types for Kysely. Timestamps are ISO-8601 UTC strings (they sort and compare the
// same on SQLite and PostgreSQL); money is integer minor units.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface CampaignsTable {
  id: Generated<number>;
  slug: string;
  goal_minor: number;
  currency: string;
  starts_at: string;
  ends_at: string;
  created_at: string;
  updated_at: string;
}

/** One row per campaign, updated in the same transaction as every contribution change. */
export interface CampaignTotalsTable {
  campaign_id: number;
  raised_minor: number;
  donors: number;
  updated_at: string;
}

export type ContributionStatus = 'pending' | 'paid' | 'failed' | 'expired';
export type Frequency = 'once' | 'monthly';

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
  frequency: Frequency;
  status: ContributionStatus;
  currency: string;
  amount_minor: number;
  /** What this row adds to its campaign's total now (0 unless paid and in a campaign). */
  counted_minor: number;
  /** 1 when this row is counted as one donor in its campaign's total. */
  counted_donor: number;
  campaign_id: number | null;
  paid_at: string | null;
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
  status: 'active' | 'ended';
  created_at: string;
  updated_at: string;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  object_id: string | null;
  outcome: string;
  received_at: string;
}

export interface Database {
  campaigns: CampaignsTable;
  campaign_totals: CampaignTotalsTable;
  contributions: ContributionsTable;
  pledges: PledgesTable;
  stripe_events: StripeEventsTable;
}

export type Campaign = Selectable<CampaignsTable>;
export type Contribution = Selectable<ContributionsTable>;
export type NewContribution = Insertable<ContributionsTable>;
export type ContributionUpdate = Updateable<ContributionsTable>;
export type Pledge = Selectable<PledgesTable>;
