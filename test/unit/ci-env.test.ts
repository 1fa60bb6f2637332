/** test/helpers/ci.ts: which values of CI mean "this is CI", where unreachable services fail the tests. */
import { describe, expect, it } from 'vitest';
import { isCi } from '../helpers/ci.js';

describe('isCi', () => {
  it.each(['true', 'True', 'TRUE', '1', 'yes', 'github-actions', ' true '])('CI=%j is CI', (value) => {
    expect(isCi({ CI: value })).toBe(true);
  });

  it.each([undefined, '', '   ', 'false', 'False', 'FALSE', '0'])('CI=%j is not CI', (value) => {
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(false);
  });
});

describe('isCi with no argument', () => {
  it('reads this process’s CI', () => {
    expect(isCi()).toBe(isCi({ CI: process.env.CI }));
  });
});
