// The shipped systemd unit runs what `npm start` runs: the same node flags, malloc tunable and
// script, so a change to package.json's start script cannot leave production behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../lib/config.ts';

const unit = fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/systemd/fundraiser@.service'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** A command line as its parts: VAR=value settings, then node's flags, then the script. */
function parts(command: string) {
  const words = command.trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  assert.ok(node >= 0, `no node in ${command}`);
  const settings = words.slice(0, node).filter((w) => /^[A-Z_]+=/.test(w));
  const rest = words.slice(node + 1);
  return { settings, flags: rest.filter((w) => w.startsWith('-')), script: rest.filter((w) => !w.startsWith('-')) };
}

/** A directive's value in the unit ([Service] has each once). */
function directive(name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(unit);
  assert.ok(m, `${name}= missing from the unit`);
  return m[1]!;
}

describe('deploy/systemd/fundraiser@.service', () => {
  it('when npm start and the unit are compared, then they run the same script with the same node flags and settings', () => {
    // npm start builds first (`npm run build --silent && ...`); the unit runs what follows.
    const started = pkg.scripts.start!.split('&&').at(-1)!;
    const npm = parts(started);
    const service = parts(directive('ExecStart').replace(/^\/usr\/bin\/env /, ''));
    assert.deepEqual(service.flags, npm.flags);
    assert.deepEqual(service.script, npm.script);
    // The unit adds only PORT (the instance name, %i).
    assert.deepEqual(
      service.settings.filter((s) => s !== 'PORT=%i'),
      npm.settings,
    );
    assert.ok(service.settings.includes('PORT=%i'), 'each instance listens on its own port');
  });

  it('when systemd stops an instance, then it waits longer than the app’s own shutdown deadline before killing it', () => {
    assert.equal(directive('KillSignal'), 'SIGTERM');
    const waits = Number(/^(\d+)s$/.exec(directive('TimeoutStopSec'))?.[1]) * 1000;
    const drain = loadConfig({}).shutdownTimeoutMs;
    assert.ok(waits > drain, `TimeoutStopSec ${waits} ms <= SHUTDOWN_TIMEOUT_MS ${drain} ms`);
  });

  it('when the unit is read, then it takes its settings from /etc/fundraiser/env and restarts only on failure', () => {
    assert.equal(directive('EnvironmentFile'), '/etc/fundraiser/env');
    assert.equal(directive('Restart'), 'on-failure');
    assert.equal(directive('ProtectSystem'), 'strict');
    assert.equal(directive('NoNewPrivileges'), 'true');
  });
});
