// Which campaign a moment belongs to. A window is half-open: [startsAt, endsAt), so a gift
// paid at 23:59:59.999 on Dec 31 counts for that year and one at 00:00:00 Jan 1 for the next.
import type { CampaignWindowConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

export interface CampaignWindow {
  /** Stable name of the campaign, e.g. "2026" for a calendar year. */
  slug: string;
  startsAt: Date;
  endsAt: Date;
}

export function windowFor(config: CampaignWindowConfig, at: Date): CampaignWindow | null {
  if (config.kind === 'fixed') {
    return contains(config, at) ? fixedWindow(config) : null;
  }
  const year = at.getUTCFullYear();
  return {
    slug: String(year),
    startsAt: new Date(Date.UTC(year, 0, 1)),
    endsAt: new Date(Date.UTC(year + 1, 0, 1)),
  };
}

/**
 * The campaign the public page shows at `at`: the one running now, or for a fixed window
 * that has not started or has ended, that window all the same (the page shows its result).
 */
export function displayedWindow(config: CampaignWindowConfig, at: Date): CampaignWindow {
  return config.kind === 'fixed' ? fixedWindow(config) : windowFor(config, at)!;
}

function fixedWindow(config: { startsAt: Date; endsAt: Date }): CampaignWindow {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return { slug: `${day(config.startsAt)}_${day(config.endsAt)}`, startsAt: config.startsAt, endsAt: config.endsAt };
}

export function contains(window: { startsAt: Date; endsAt: Date }, at: Date): boolean {
  return at.getTime() >= window.startsAt.getTime() && at.getTime() < window.endsAt.getTime();
}

/** FUNDRAISER_CAMPAIGN_START/END as a window: both or neither, the end after the start. */
export function configuredWindow(start: string | undefined, end: string | undefined): CampaignWindowConfig {
  if (!start && !end) return { kind: 'calendar-year' };
  if (!start) throw new ConfigError('FUNDRAISER_CAMPAIGN_START', 'is required when FUNDRAISER_CAMPAIGN_END is set');
  if (!end) throw new ConfigError('FUNDRAISER_CAMPAIGN_END', 'is required when FUNDRAISER_CAMPAIGN_START is set');
  const startsAt = parseInstant('FUNDRAISER_CAMPAIGN_START', start);
  const endsAt = parseInstant('FUNDRAISER_CAMPAIGN_END', end);
  if (endsAt <= startsAt) throw new ConfigError('FUNDRAISER_CAMPAIGN_END', 'must be after FUNDRAISER_CAMPAIGN_START');
  return { kind: 'fixed', startsAt, endsAt };
}

// A bare date means midnight UTC; a date-time must carry its offset so the window is unambiguous.
function parseInstant(variable: string, value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(iso)) {
    throw new ConfigError(
      variable,
      `must be a date (2026-01-01) or a date-time with offset (2026-01-01T00:00:00-05:00) (got ${JSON.stringify(value)})`,
    );
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new ConfigError(variable, `is not a real date (got ${JSON.stringify(value)})`);
  return d;
}
