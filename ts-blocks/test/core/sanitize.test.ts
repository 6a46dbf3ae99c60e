import { clearRegisteredSecrets, registerSecret, sanitize, sanitizeValue } from '../../src/core/sanitize';
import { AuthError, FatalError, isAuthError, isBackfillError, toBackfillError } from '../../src/core/errors';

describe('sanitize', () => {
  afterEach(() => clearRegisteredSecrets());

  it('removes a registered secret wherever it appears, also URL-encoded', () => {
    registerSecret('s3cr3t/value+1');
    const out = sanitize(`a s3cr3t/value+1 b ${encodeURIComponent('s3cr3t/value+1')} c`);
    expect(out).not.toContain('s3cr3t');
    expect(out).toBe('a [REDACTED] b [REDACTED] c');
  });

  it('removes credential-shaped text nobody registered', () => {
    const jwt = `eyJ${'a'.repeat(20)}.${'b'.repeat(30)}.${'c'.repeat(10)}`;
    const rt = `RT1-${'x'.repeat(8)}-H0-${'y'.repeat(20)}`;
    const text = [
      `Authorization: Bearer ${jwt}`,
      `token ${rt}`,
      'refresh_token=abcdefgh&client_secret=zzzzzzzz',
      '{"access_token":"qqqqqqqq","password":"pppppppp"}',
      'postgres://user:hunter22@db:5432/x',
    ].join('\n');
    const out = sanitize(text);
    for (const leak of [jwt, rt, 'abcdefgh', 'zzzzzzzz', 'qqqqqqqq', 'pppppppp', 'hunter22']) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('postgres://user:[REDACTED]@db:5432/x');
  });

  it.each([
    ['Basic', `x BASIC ${'Zm9vOmJhcg=='.repeat(2)} y`],
    ['a JWT', `x eyJ${'a'.repeat(12)}.${'b'.repeat(12)} y`],
    ['an Intuit refresh token', `x RT1-${'z'.repeat(12)} y`],
    ['an AB… token', `x AB${'k'.repeat(32)} y`],
    ['a Q0… token', `x Q0${'k'.repeat(32)} y`],
    ['a PASSWD pair', 'x PASSWD=hunter22hunter y'],
    ['a pgpassword pair', 'x pgpassword: "hunter22hunter" y'],
    ['an authorization pair', 'x Authorization=hunter22hunter y'],
    ['a URL password', 'x https://u:hunter22hunter@h/ y'],
  ])('removes %s on its own (nothing else in the text to give it away)', (_what, text) => {
    const out = sanitize(text);
    expect(out).toContain('[REDACTED]');
    expect(out).not.toMatch(/hunter22hunter|k{32}|z{12}|b{12}|Zm9vOmJhcg==Zm9v/);
  });

  it('removes a secret registered after earlier text was sanitised, longest first', () => {
    expect(sanitize('plain 2024-01-01 12,345')).toBe('plain 2024-01-01 12,345');
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(sanitize('x abcdefgh y abcd z')).toBe('x [REDACTED] y [REDACTED] z');
  });

  it('sanitises nested values', () => {
    registerSecret('topsecret');
    expect(sanitizeValue({ a: ['x topsecret y'] })).toEqual({ a: ['x [REDACTED] y'] });
  });

  it('never corrupts numbers when a secret looks like one, and redacts credential-named keys of any type', () => {
    registerSecret('12345');
    const out = sanitizeValue({ rows: 123456, note: 'pin 12345', nested: [{ password: 4321 }], ok: true, none: null });
    expect(out).toEqual({ rows: 123456, note: 'pin [REDACTED]', nested: [{ password: '[REDACTED]' }], ok: true, none: null });
  });
});

describe('errors', () => {
  afterEach(() => clearRegisteredSecrets());

  it('sanitises messages at construction and keeps kind and code', () => {
    registerSecret('leaky-token-value');
    const e = new AuthError('refresh failed for leaky-token-value', { code: 'QBO_INVALID_GRANT', status: 400 });
    expect(e.message).toBe('refresh failed for [REDACTED]');
    expect(isAuthError(e)).toBe(true);
    expect(e.toJSON()).toMatchObject({ kind: 'auth', code: 'QBO_INVALID_GRANT', status: 400 });
  });

  it('wraps foreign errors as fatal', () => {
    const e = toBackfillError(new Error('boom'));
    expect(e).toBeInstanceOf(FatalError);
    expect(isBackfillError(e)).toBe(true);
    expect(isBackfillError(new Error('x'))).toBe(false);
  });
});
