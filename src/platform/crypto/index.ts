/**
 * Chinese commercial cryptography from node:crypto (OpenSSL 3): SM3 hashes, SM2 signatures,
 * SM4 for secrets at rest. No third-party crypto code.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

export function sm3Hex(data: string | Buffer): string {
  return createHash('sm3').update(data).digest('hex');
}

export function sm3Hmac(key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac('sm3', key).update(data).digest();
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

export interface Sm2KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateSm2KeyPair(): Sm2KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** SM2 signature with SM3 digest, DER encoded, base64. */
export function sm2Sign(privateKeyPem: string, data: string | Buffer): string {
  return sign('sm3', Buffer.from(data), privateKeyPem).toString('base64');
}

export function sm2Verify(publicKeyPem: string, data: string | Buffer, signatureB64: string): boolean {
  try {
    return verify('sm3', Buffer.from(data), publicKeyPem, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** SM4-CBC with a random IV; output `iv.ciphertext` in base64url. Key is 16 bytes. */
export function sm4Encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('sm4-cbc', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function sm4Decrypt(key: Buffer, sealed: string): string {
  const [ivPart, bodyPart] = sealed.split('.');
  if (!ivPart || !bodyPart) throw new Error('malformed SM4 envelope');
  const decipher = createDecipheriv('sm4-cbc', key, Buffer.from(ivPart, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(bodyPart, 'base64url')), decipher.final()]).toString('utf8');
}
