// Sets one variable in a .env file (npm run stripe:setup --write-env), keeping every other line
// as it was. The file holds secrets: a new one is made readable by its owner only.
import fs from 'node:fs';
import path from 'node:path';

/** Replaces every `NAME=...` line (or appends one); returns whether the file existed before. */
export function setEnvVariable(file: string, name: string, value: string): { created: boolean } {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /[\r\n]/.test(value)) throw new Error(`cannot write ${name} to ${file}`);
  const existed = fs.existsSync(file);
  const text = existed ? fs.readFileSync(file, 'utf8') : '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const line = `${name}=${value}`;
  const assigns = new RegExp(`^\\s*(export\\s+)?${name}\\s*=`);
  let found = false;
  const lines = text === '' ? [] : text.split(eol);
  const updated = lines.map((l) => (assigns.test(l) ? ((found = true), line) : l));
  if (!found) {
    // Appended after the last line, keeping the file's final newline (or adding one).
    if (updated.at(-1) === '') updated.pop();
    updated.push(line, '');
  }
  const mode = existed ? fs.statSync(file).mode & 0o777 : 0o600;
  // Written beside and renamed over, so a crash never leaves half a .env.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, updated.join(eol), { mode });
  fs.chmodSync(temp, mode); // the umask may have narrowed it
  fs.renameSync(temp, file);
  return { created: !existed };
}
