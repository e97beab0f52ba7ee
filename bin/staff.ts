// npm run staff -- add <email> [--role admin|viewer]   (viewer unless told: least privilege) | remove <email> | list | reset-password <email>
// Passwords come from a hidden prompt, or from STAFF_PASSWORD (or standard input) for automation.
import 'dotenv/config';
import { runCommand } from './command.ts';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig, staffPasswordFromEnv } from '../lib/config.ts';
import { migrateToLatest, openDatabase } from '../lib/db/database.ts';
import { MIN_PASSWORD_LENGTH } from '../lib/staff/passwords.ts';
import { addStaff, listStaff, removeStaff, resetStaffPassword } from '../lib/staff/users.ts';

const usage =
  'usage: npm run staff -- add <email> [--role admin|viewer] | remove <email> | list | reset-password <email>';

async function readPassword(): Promise<string> {
  const fromEnv = staffPasswordFromEnv();
  if (fromEnv) return fromEnv;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      if (process.stdin.isTTY) {
        // Echo nothing while the password is typed.
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
          if (s.startsWith(q)) process.stdout.write(q);
        };
      }
      rl.question(q, (answer) => {
        if (process.stdin.isTTY) process.stdout.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask(`Password (at least ${MIN_PASSWORD_LENGTH} characters): `);
    if (process.stdin.isTTY && (await ask('Again: ')) !== first) throw new Error('the two passwords differ');
    return first;
  } finally {
    rl.close();
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string', default: 'viewer' } },
  });
  const [command, email] = positionals;
  const config = loadConfig();
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
    const now = new Date();
    switch (command) {
      case 'add': {
        if (!email) throw new Error(usage);
        if (values.role !== 'admin' && values.role !== 'viewer') throw new Error('--role must be admin or viewer');
        const user = await addStaff(db, email, await readPassword(), values.role, now);
        console.log(`added ${user.email} (${user.role})`);
        break;
      }
      case 'remove':
        if (!email) throw new Error(usage);
        console.log(
          (await removeStaff(db, email)) ? `removed ${email}; their sessions are ended` : `no account for ${email}`,
        );
        break;
      case 'reset-password':
        if (!email) throw new Error(usage);
        console.log(
          (await resetStaffPassword(db, email, await readPassword(), now))
            ? `new password set for ${email}; their sessions are ended`
            : `no account for ${email}`,
        );
        break;
      case 'list': {
        const users = await listStaff(db);
        if (users.length === 0) console.log('no staff accounts yet: npm run staff -- add <email>');
        for (const u of users) console.log(`${u.email}\t${u.role}\tsince ${u.createdAt.slice(0, 10)}`);
        break;
      }
      default:
        throw new Error(usage);
    }
  } finally {
    await db.destroy();
  }
}

runCommand(main);
