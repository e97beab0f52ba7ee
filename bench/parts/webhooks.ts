// Webhooks: signed paid events, each a ledger write committed durably (SQLite synchronous=FULL,
// PostgreSQL's fsync and synchronous_commit on), against a bare Express POST reading a body of
// the same size and recording nothing; then the ledger is checked: every acknowledged event
// recorded once, the totals and rollups equal to a recount.
import fs from 'node:fs';
import path from 'node:path';
import { EMULATOR_WEBHOOK_SECRET } from '../../lib/config.ts';
import { compare } from '../compare.ts';
import { paidGiftEvent, type LoadSpec } from '../load.ts';
import { startBaseline, stop, tmp } from '../processes.ts';
import { pick, type Row } from '../report.ts';
import { checkLedger } from '../seed.ts';
import { log, spec, type BenchApp } from '../settings.ts';

const TARGET = 1.0;

/**
 * Distinct events (and, with `duplicates`, the same 200 again) to `apps`: one app, or several
 * instances on one database loaded at once (each from its own load process; their sum is the round).
 */
export async function webhookRows(
  apps: BenchApp[],
  label: string,
  opts: { duplicates: boolean; prefix: string },
): Promise<Row[]> {
  const webhook = { secret: EMULATOR_WEBHOOK_SECRET, fundraiserId: 'fundraiser', campaign: apps[0]!.campaign };
  const sample = paidGiftEvent({ ...webhook, mode: 'distinct', idPrefix: 'size' }, 0).payload;
  const expressPost = await startBaseline('express', 16);
  const ackFiles: string[] = [];
  const webhookSpecs = (mode: 'distinct' | 'duplicate') => (): LoadSpec[] =>
    apps.map((app) => {
      const ackFile = path.join(tmp, `ack-${opts.prefix}${mode}-${ackFiles.length}.json`);
      ackFiles.push(ackFile);
      const idPrefix = mode === 'duplicate' ? `${opts.prefix}dup` : `${opts.prefix}d${ackFiles.length}`;
      return spec(`${app.url}/webhooks/stripe`, { method: 'POST', webhook: { ...webhook, mode, ackFile, idPrefix } });
    });
  const baseline = spec(expressPost.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: sample,
  });
  const modes = opts.duplicates ? (['distinct', 'duplicate'] as const) : (['distinct'] as const);
  const results = [];
  for (const mode of modes) {
    const what = mode === 'distinct' ? 'distinct paid events' : 'the same 200 events again';
    const r = await compare(`${label}, ${what}`, { express: baseline, app: webhookSpecs(mode) });
    results.push({ mode, r });
  }
  stop(expressPost);

  const acknowledged = ackFiles.flatMap((f) =>
    fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { id: string; amount: number }[]) : [],
  );
  const check = await checkLedger(apps[0]!.databaseUrl, acknowledged);
  const distinctAcks = new Set(acknowledged.map((a) => a.id)).size;
  log(
    `  ledger after the webhook rounds: ${distinctAcks.toLocaleString('en')} distinct events acknowledged, ` +
      `${check.lost} lost, ${check.doubled} doubled, totals ${check.totalsMatch ? 'equal' : 'DIFFER from'} the rows`,
  );
  const ledgerOk = check.lost === 0 && check.doubled === 0 && check.totalsMatch;
  return results.map(({ mode, r }) => {
    const ratio = r.app!.rps / r.express!.rps;
    return {
      scenario: `${label}, ${mode === 'distinct' ? 'distinct paid events (ledger writes)' : 'duplicates (already recorded)'}`,
      ...pick(r.app!),
      baseline: `bare Express POST ${Buffer.byteLength(sample)} B`,
      ratio,
      target: `>= ${TARGET} x bare Express POST, none lost or doubled`,
      pass: ratio >= TARGET && ledgerOk,
      note:
        mode === 'distinct'
          ? `${distinctAcks.toLocaleString('en')} acknowledged: ${check.lost} lost, ${check.doubled} doubled`
          : undefined,
    };
  });
}
