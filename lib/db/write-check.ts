// Can the database still write? /readyz asks; a read (ping) answers while a full or read-only
// disk, or a PostgreSQL refusing writes, fails every webhook and donation. The answer is one
// small write (lib/db/database.ts writeProbe), made at most every `everyMs` and shared by the
// probes that come meanwhile, bounded by `timeoutMs` so a hung database reads as not ready.
import type { Logger } from '../logger.ts';
import { writeProbe, type Db } from './database.ts';

/** null when the database wrote; else a short reason for /readyz (the full error is logged). */
export type WriteCheck = () => Promise<string | null>;

export function writeCheck(
  db: Db,
  opts: { clock: () => Date; logger: Logger; everyMs?: number; timeoutMs?: number; probe?: typeof writeProbe },
): WriteCheck {
  const everyMs = opts.everyMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const probe = opts.probe ?? writeProbe;
  let last: { at: number; reason: string | null } | undefined;
  let inFlight: Promise<string | null> | undefined;

  async function run(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the write probe took over ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([probe(db, opts.clock()), timeout]);
      if (last?.reason) opts.logger.info('the database writes again');
      return null;
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      opts.logger.error({ err }, 'the database cannot write');
      return typeof code === 'string' && code !== '' ? `database cannot write (${code})` : 'database cannot write';
    } finally {
      clearTimeout(timer);
    }
  }

  return () => {
    const now = Date.now();
    if (last && now - last.at < everyMs) return Promise.resolve(last.reason);
    inFlight ??= run().then((reason) => {
      last = { at: Date.now(), reason };
      inFlight = undefined;
      return reason;
    });
    return inFlight;
  };
}
