// express-session's store on the staff_sessions table: sessions live in the database, so
// every instance knows them and logging out (or removing an account) really ends them.
// Expiry is on the real clock, not the app's injected one: express-session sets the cookie's
// expiry from Date.now(), and the row must expire with the cookie it belongs to.
import session from 'express-session';
import type { Db } from '../db/database.ts';

type Callback = (err?: unknown) => void;

export class DatabaseSessionStore extends session.Store {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {
    super();
  }

  private expiry(data: session.SessionData): string {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + this.ttlMs);
    return expires.toISOString();
  }

  override get(sid: string, cb: (err: unknown, data?: session.SessionData | null) => void): void {
    this.db
      .selectFrom('staff_sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then(
        (row) =>
          cb(
            null,
            row && row.expires_at > new Date().toISOString() ? (JSON.parse(row.data) as session.SessionData) : null,
          ),
        cb,
      );
  }

  override set(sid: string, data: session.SessionData, cb: Callback = () => undefined): void {
    const values = {
      data: JSON.stringify(data),
      expires_at: this.expiry(data),
      staff_user_id: data.staffUserId ?? null,
    };
    this.db
      .insertInto('staff_sessions')
      .values({ sid, ...values })
      .onConflict((oc) => oc.column('sid').doUpdateSet(values))
      .execute()
      .then(() => {
        // Now and then, sweep expired sessions.
        if (Math.random() < 0.02)
          return this.db.deleteFrom('staff_sessions').where('expires_at', '<', new Date().toISOString()).execute();
      })
      .then(() => cb(), cb);
  }

  override destroy(sid: string, cb: Callback = () => undefined): void {
    this.db
      .deleteFrom('staff_sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => cb(), cb);
  }

  override touch(sid: string, data: session.SessionData, cb: Callback = () => undefined): void {
    this.db
      .updateTable('staff_sessions')
      .set({ expires_at: this.expiry(data) })
      .where('sid', '=', sid)
      .execute()
      .then(() => cb(), cb);
  }
}

declare module 'express-session' {
  interface SessionData {
    staffUserId?: number;
  }
}
