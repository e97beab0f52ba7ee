// Start-up with a bad setting: it must stop with a ConfigError naming the variable (first,
// after "Invalid configuration:") and saying what is wrong with it.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../lib/config.ts';

export function assertConfigError(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.variable, variable);
      assert.match(err.message, new RegExp(`^Invalid configuration: ${variable} `));
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}
