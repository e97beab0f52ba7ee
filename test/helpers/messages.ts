// For tests of pages in several languages: a message that cannot be formatted (a key no
// catalog has, a value not given) fails the test it happened in, instead of showing English.
import { afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { setMessageErrorHandler, type MessageErrorHandler } from '../../lib/i18n/translator.ts';

export function failOnUnformattedMessages(): void {
  let problems: string[] = [];
  let previous: MessageErrorHandler;
  beforeEach(() => {
    problems = [];
    previous = setMessageErrorHandler((lang, err) => problems.push(`${lang}: ${err.message}`));
  });
  afterEach(() => {
    setMessageErrorHandler(previous);
    assert.deepEqual(problems, [], 'every message was found and formatted');
  });
}
