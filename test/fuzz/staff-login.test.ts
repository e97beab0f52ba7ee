// POST /staff/login at volume: generated e-mail addresses (the accounts' own in other letter
// cases and spacing, unknown ones, junk, repeated fields, JSON objects), passwords (right,
// wrong, empty, very long), CSRF tokens (valid, missing, forged, another visitor's), planted
// session cookies, `next` targets and client addresses. Never a 5xx, and a session only by the
// rules: the right password of an account, with a valid token, not over a limit; one session
// row per login, a fresh session id, and a redirect that stays in the staff area.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { addStaff } from '../../lib/staff/users.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import {
  asText,
  cookiesSet,
  describeFailure,
  errorLog,
  fuzzParams,
  headerValue,
  rawClient,
  RUNS,
  serve,
  statusTally,
  weirdString,
  type RawClient,
  withoutFsync,
} from './kit.ts';

const ACCOUNTS = [
  { email: 'admin@example.org', password: 'correct horse battery staple', role: 'admin' as const },
  { email: 'viewer@example.org', password: 'another long passphrase', role: 'viewer' as const },
];
const SESSION_COOKIE = 'fr.staff';

const log = errorLog();
let t: TestApp;
let site: Awaited<ReturnType<typeof serve>>;
let client: RawClient;
/** A visitor's cookies and the token the login page gave them. */
let visitor: { cookie: string; token: string };
let otherVisitorsToken = '';

async function openLoginPage() {
  const page = await client.send({ path: '/staff/login' });
  const cookies = cookiesSet(page);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { cookie: `fr_visitor=${cookies.fr_visitor}; fr.csrf=${cookies['fr.csrf']}`, token };
}

before(async () => {
  t = await makeTestApp({
    now: new Date(),
    logger: log.logger,
    // Behind a proxy, so inputs may speak from many addresses; the brake's waits are not waited.
    env: { TRUST_PROXY: '1' },
    deps: { sleep: async () => undefined },
  });
  await withoutFsync(t.deps.db);
  for (const a of ACCOUNTS) {
    await addStaff(t.deps.db, a.email, a.password, a.role, new Date());
    // The stored hash names its own scrypt cost: a cheap one here keeps 10,000 right-or-wrong
    // checks of these accounts fast (an unknown address still costs the full dummy check).
    const salt = randomBytes(16);
    const key = scryptSync(a.password, salt, 32, { N: 16, r: 8, p: 1 });
    await t.deps.db
      .updateTable('staff_users')
      .set({ password_hash: `scrypt$16$8$1$${salt.toString('base64')}$${key.toString('base64')}` })
      .where('email', '=', a.email)
      .execute();
  }
  site = await serve(t.app);
  client = rawClient(site.url);
  visitor = await openLoginPage();
  otherVisitorsToken = (await openLoginPage()).token;
});
after(async () => {
  client.close();
  await site.close();
  await t.close();
});

type Who =
  | { kind: 'account'; index: number; spelling: (e: string) => string; normalises: boolean }
  | { kind: 'other'; email: unknown };

/** An account's address in one of these spellings; `normalises`: the login still finds the account by it. */
const account = (normalises: boolean, spellings: Array<(e: string) => string>) =>
  fc.record({
    kind: fc.constant('account' as const),
    index: fc.nat(ACCOUNTS.length - 1),
    spelling: fc.constantFrom(...spellings),
    normalises: fc.constant(normalises),
  });

// An address no account has costs a full scrypt check (the timing defence, ~90 ms), so those
// are the rare inputs; the accounts' own, cheap to check here, are the common ones.
const who: fc.Arbitrary<Who> = fc.oneof(
  { arbitrary: account(true, [(e) => e, (e) => e.toUpperCase(), (e) => `  ${e}\t`]), weight: 58 },
  { arbitrary: account(false, [(e) => `${e}.`, (e) => e.replace('@', '\u0000@')]), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('other' as const),
      email: fc.oneof(
        weirdString,
        fc.emailAddress(),
        fc.constant(undefined),
        fc.array(weirdString, { maxLength: 2 }),
        // Only JSON can send these: objects that String() cannot turn into text.
        fc.constantFrom<unknown>({ toString: 'x' }, { valueOf: 1, toString: null }, {}, null, 42),
      ),
    }),
    weight: 1,
  },
);

// The account's own password, another, or the account's own with something appended.
const passwordChoice: fc.Arbitrary<Input['password']> = fc.oneof(
  { arbitrary: fc.constant({ right: true as const }), weight: 3 },
  {
    arbitrary: fc
      .oneof(weirdString, fc.constant(undefined), fc.constant(''))
      .map((p) => ({ right: false as const, p })),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(' ', 'x', '\u0000', '\u0000\u0000').map((extra) => ({ right: false as const, extra })),
    weight: 1,
  },
);

const csrfChoice = fc.oneof(
  { arbitrary: fc.constant('valid' as const), weight: 6 },
  { arbitrary: fc.constantFrom('header' as const, 'missing' as const, 'other visitor' as const), weight: 2 },
  { arbitrary: weirdString, weight: 1 },
);

const cookieChoice = fc.oneof(
  { arbitrary: fc.constant('own' as const), weight: 6 },
  { arbitrary: fc.constantFrom('none' as const, 'planted session' as const), weight: 1 },
  { arbitrary: headerValue, weight: 1 },
);

const address = fc.oneof(
  fc.constant(undefined),
  fc.ipV4(),
  fc.ipV6(),
  fc.constant('203.0.113.9'),
  headerValue,
  fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}, ${b}`),
);

const next = fc.option(
  fc.oneof(fc.constantFrom('/staff/gifts', '/staff?x=1', 'https://evil.example', '//evil.example'), weirdString),
  {
    nil: undefined,
  },
);
const encoding = fc.constantFrom('form', 'form', 'form', 'json', 'text');

const seen = statusTally();
const sessionRows = async () =>
  Number(
    (
      await t.deps.db
        .selectFrom('staff_sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

type Input = {
  who: Who;
  password: { right: true } | { right: false; p: unknown } | { right: false; extra: string };
  csrf: string;
  cookie: string;
  address: string | undefined;
  next: string | undefined;
  encoding: string;
};

/** The request an input stands for; `account` is the one whose password it may hold, if any. */
function loginRequest(input: Input) {
  const who = input.who;
  const account = who.kind === 'account' && who.normalises ? ACCOUNTS[who.index]! : null;
  const email = who.kind === 'account' ? who.spelling(ACCOUNTS[who.index]!.email) : who.email;
  const own = who.kind === 'account' ? ACCOUNTS[who.index]!.password : '';
  const pw = input.password;
  const password = 'p' in pw ? pw.p : 'extra' in pw ? `${own}${pw.extra}` : own;
  const tokens: Record<string, string | undefined> = {
    valid: visitor.token,
    header: visitor.token,
    'other visitor': otherVisitorsToken,
    missing: undefined,
  };
  const token = input.csrf in tokens ? tokens[input.csrf] : input.csrf;
  // A session cookie the server never issued: a login must not carry it into the staff area.
  const planted = `s%3A${randomBytes(12).toString('hex')}.forged`;
  const cookies: Record<string, string | undefined> = {
    own: visitor.cookie,
    none: undefined,
    'planted session': `${visitor.cookie}; ${SESSION_COOKIE}=${planted}`,
  };
  const cookie = input.cookie in cookies ? cookies[input.cookie] : input.cookie;

  const fields: Record<string, unknown> = { email, password, next: input.next };
  const headers: Record<string, string> = {};
  if (input.csrf === 'header') {
    if (token) headers['x-csrf-token'] = token;
  } else fields._csrf = token;
  if (cookie) headers.cookie = cookie;
  if (input.address !== undefined) headers['x-forwarded-for'] = input.address;
  let body: string;
  if (input.encoding === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  } else {
    headers['content-type'] = input.encoding === 'form' ? 'application/x-www-form-urlencoded' : 'text/plain';
    const pairs = Object.entries(fields).flatMap(([k, v]) =>
      v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((one) => [k, asText(one)]),
    );
    body = new URLSearchParams(pairs).toString();
  }
  return { sent: { method: 'POST', path: '/staff/login', headers, body }, account, planted };
}

describe(`fuzzing POST /staff/login (${RUNS} inputs)`, () => {
  it('when the staff login gets generated credentials, tokens, cookies and addresses, then never a 5xx and a session only by the rules', async (c) => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ who, password: passwordChoice, csrf: csrfChoice, cookie: cookieChoice, address, next, encoding }),
        async (input) => {
          const { sent, account, planted } = loginRequest(input);
          const sessionsBefore = await sessionRows();
          log.clear();
          const res = await client.send(sent);
          const context = describeFailure(sent, res, log.lines);
          const kind = (v: string) =>
            ['valid', 'header', 'missing', 'other visitor', 'own', 'none', 'planted session'].includes(v)
              ? v
              : 'random';
          seen.add(`${res.status} ${kind(input.csrf)}/${kind(input.cookie)}/${input.encoding}`);
          assert.ok(res.status < 500, `5xx: ${context}`);
          assert.ok([303, 400, 401, 403, 413, 415, 429].includes(res.status), `unexpected: ${context}`);

          // The rules: an account's right password (its address as the account normalises it), a valid token.
          const rightPassword = account !== null && input.password.right;
          const validToken =
            (input.csrf === 'valid' || input.csrf === 'header') &&
            (input.cookie === 'own' || input.cookie === 'planted session');
          const mayLogIn = rightPassword && validToken && input.encoding !== 'text';
          const issued = cookiesSet(res)[SESSION_COOKIE];
          const added = (await sessionRows()) - sessionsBefore;
          if (res.status === 303) {
            assert.ok(mayLogIn, `a session outside the rules: ${context}`);
            assert.ok(issued && !issued.includes(planted), `no fresh session cookie: ${context}`);
            assert.match(String(res.headers.location), /^\/staff(\/|\?|$)/, context);
            assert.equal(added, 1, `one session row per login: ${context}`);
          } else {
            assert.equal(issued, undefined, `a session cookie without a login: ${context}`);
            assert.equal(added, 0, `a session row without a login: ${context}`);
            if (mayLogIn) assert.equal(res.status, 429, `the right password refused: ${context}`);
          }
        },
      ),
      fuzzParams(),
    );
    c.diagnostic(`answers: ${String(seen)}`);
  });
});
