// Which campaign a moment belongs to. A window is half-open: [startsAt, endsAt), so a gift
// paid at 23:59:59.999 on Dec 31 counts for that year and one at 00:00:00 Jan 1 for the next.
import type { CampaignWindowConfig } from './config.ts';

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
