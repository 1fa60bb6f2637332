/**
 * Whether the tests run under CI: any non-empty CI other than "false" or "0" (in any case), as CI services
 * set it (`true`, `1`, `True`, a provider's name). Under CI, tests that cannot reach what they need fail
 * instead of skipping.
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}
