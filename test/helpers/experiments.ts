// Staff making and running experiments through the real staff pages (CSRF token and all).
import type request from 'supertest';

type Agent = ReturnType<typeof request.agent>;

export async function csrfOf(staff: Agent, path = '/staff/experiments/new'): Promise<string> {
  const page = await staff.get(path).expect(200);
  return page.text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
}

/** Posts the new-experiment form; returns the response (303 to the experiment, or 400 with the form). */
export async function postExperiment(staff: Agent, fields: Record<string, string>, status?: number) {
  const csrf = await csrfOf(staff);
  const res = staff
    .post('/staff/experiments')
    .type('form')
    .send(new URLSearchParams({ _csrf: csrf, ...fields }).toString());
  return status === undefined ? res : res.expect(status);
}

export const idFrom = (location: string | undefined) => Number(location?.split('/').pop());

/** Makes and starts an experiment; returns its id. */
export async function runningExperiment(staff: Agent, fields: Record<string, string>): Promise<number> {
  const made = await postExperiment(staff, fields).then((r) => {
    if (r.status !== 303)
      throw new Error(`experiment refused: ${r.status} ${r.text.match(/role="alert"[^>]*>([^<]*)/)?.[1]}`);
    return r;
  });
  const id = idFrom(made.headers.location);
  await experimentAction(staff, id, 'start', 303);
  return id;
}

export async function experimentAction(
  staff: Agent,
  id: number,
  act: 'start' | 'stop' | 'winner',
  status: number,
  variant?: string,
) {
  const csrf = await csrfOf(staff, `/staff/experiments/${id}`);
  return staff
    .post(`/staff/experiments/${id}/${act}`)
    .type('form')
    .send(new URLSearchParams({ _csrf: csrf, ...(variant ? { variant } : {}) }).toString())
    .expect(status);
}

/** Two letters against each other: A as it is, B with its own headline. */
export const TWO_HEADLINES = {
  name: 'Headline test',
  surface: 'appeal',
  a_name: 'As it is',
  a_share: '50',
  b_name: 'Urgent headline',
  b_share: '50',
  b_headline_en: 'Only readers keep this site free',
};
