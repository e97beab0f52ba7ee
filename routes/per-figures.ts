// What the public pages show is a function of the ledger's figures, and the ledger hands out
// the same frozen Progress object until they change. So each page or JSON body is built once
// per change of the figures, not once per request (a page view of the host site).
import type { Application } from 'express';
import type { Progress } from '../lib/ledger/ledger.ts';

export class PerFigures<T> {
  private last: { progress: Progress; value: Promise<T> } | null = null;

  /** The value built from these figures, building it (once, for every concurrent caller) when they are new. */
  get(progress: Progress, build: () => Promise<T> | T): Promise<T> {
    if (this.last?.progress !== progress) {
      const value = Promise.resolve().then(build);
      const entry = { progress, value };
      this.last = entry;
      // A failed build is not kept: the next request tries again.
      value.catch(() => {
        if (this.last === entry) this.last = null;
      });
    }
    return this.last.value;
  }
}

/** A view rendered to a string (app.locals apply, as in res.render). */
export function renderToString(app: Application, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}
