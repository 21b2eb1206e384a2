import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, base32Encode, hotp, totpCode, verifyTotp } from './totp.ts';

// RFC 6238 Appendix B, SHA1 secret "12345678901234567890" (8-digit values; we take the last 6).
const secret = Buffer.from('12345678901234567890');
const vectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
];

test('TOTP matches the RFC 6238 test vectors', () => {
  for (const [t, expected] of vectors) {
    assert.equal(hotp(secret, Math.floor(t / 30), 8), expected);
    assert.equal(totpCode(base32Encode(secret), new Date(t * 1000)), expected.slice(2));
  }
});

test('base32 round-trips', () => {
  assert.deepEqual(base32Decode(base32Encode(secret)), secret);
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
});

test('a code is accepted within one step of drift and only once', () => {
  const b32 = base32Encode(secret);
  const at = new Date(1111111111 * 1000);
  const code = totpCode(b32, at);
  const step = verifyTotp(b32, code, new Date(at.getTime() + 25_000), null);
  assert.notEqual(step, null);
  assert.equal(verifyTotp(b32, code, at, step), null, 'replay refused');
  assert.equal(verifyTotp(b32, code, new Date(at.getTime() + 120_000), null), null, 'too old');
  assert.equal(verifyTotp(b32, '12345', at, null), null);
});
