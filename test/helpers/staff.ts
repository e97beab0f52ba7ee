// A staff member logged in through the real login form (CSRF token and all), for tests of
// what staff see; test/http/staff.test.ts covers the login itself.
import request from 'supertest';
import type { Site } from '../../app.ts';
import type { Db } from '../../lib/db/database.ts';
import type { StaffRole } from '../../lib/staff/users.ts';
import { addStaff } from '../../lib/staff/users.ts';

const PASSWORD = 'a long test passphrase';

export async function loggedInStaff(app: Site, db: Db, role: StaffRole = 'admin') {
  const email = `${role}-${Math.random().toString(36).slice(2)}@example.org`;
  await addStaff(db, email, PASSWORD, role, new Date());
  const agent = request.agent(app);
  const form = await agent.get('/staff/login').expect(200);
  const csrf = form.text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  await agent.post('/staff/login').type('form').send({ _csrf: csrf, email, password: PASSWORD }).expect(303);
  return agent;
}
