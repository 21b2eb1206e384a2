/**
 * Request signatures of the exchange gateway. A client signs the canonical string
 *   METHOD \n PATH?QUERY \n X-Road-Client \n X-Road-Id \n X-Road-UserId \n X-Road-Purpose \n X-Road-Issue \n Date \n SM3(body) hex
 * (the three X-Road headers as sent, empty when absent: who and why are part of what is signed, so the
 * message log's end user and purpose are the client's own claims)
 * with its HMAC-SM3 secret (`EGOV-HMAC-SM3`) or SM2 private key (`EGOV-SM2`) and sends
 * `Authorization: <scheme> keyId=…,signature=<base64>`. `signRequest` is what clients, tests and the
 * bench use; the gateway verifies with `verifySignature`.
 */
import { safeEqual, sm2Sign, sm2Verify, sm3Hex, sm3Hmac } from '../../../platform/crypto/index.ts';

export const HMAC_SCHEME = 'EGOV-HMAC-SM3';
export const SM2_SCHEME = 'EGOV-SM2';
/** Allowed difference between the Date header and the gateway clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const EMPTY_SM3 = sm3Hex('');

export const bodyHash = (body: Buffer | string | undefined | null): string => (body === undefined || body === null || body.length === 0 ? EMPTY_SM3 : sm3Hex(body));

export function canonicalString(input: { method: string; url: string; client: string; messageId: string; userId?: string; purpose?: string; issue?: string; date: string; bodySm3: string }): string {
  return `${input.method.toUpperCase()}\n${input.url}\n${input.client}\n${input.messageId}\n${input.userId ?? ''}\n${input.purpose ?? ''}\n${input.issue ?? ''}\n${input.date}\n${input.bodySm3}`;
}

export interface SignInput {
  method: string;
  /** Path and query exactly as sent, e.g. /exchange/r1/CN-HA/GOV/…/svc/persons/1?purpose=x */
  url: string;
  /** X-Road-Client: CN-HA/GOV/{member}/{subsystem} */
  client: string;
  /** X-Road-Id (unique per client) */
  messageId: string;
  body?: Buffer | string;
  keyId: string;
  /** HMAC-SM3 secret, or … */
  secret?: string;
  /** … SM2 private key (PEM). */
  privateKeyPem?: string;
  /** X-Road-UserId, X-Road-Purpose (percent-encoded here), X-Road-Issue */
  userId?: string;
  purpose?: string;
  issue?: string;
  /** Defaults to now. */
  date?: Date;
}

/** The headers of a signed gateway request. */
export function signRequest(input: SignInput): Record<string, string> {
  const date = (input.date ?? new Date()).toUTCString();
  const purpose = input.purpose === undefined ? undefined : encodeURIComponent(input.purpose);
  const canonical = canonicalString({ method: input.method, url: input.url, client: input.client, messageId: input.messageId, userId: input.userId, purpose, issue: input.issue, date, bodySm3: bodyHash(input.body) });
  let authorization: string;
  if (input.secret !== undefined) authorization = `${HMAC_SCHEME} keyId=${input.keyId},signature=${sm3Hmac(input.secret, canonical).toString('base64')}`;
  else if (input.privateKeyPem) authorization = `${SM2_SCHEME} keyId=${input.keyId},signature=${sm2Sign(input.privateKeyPem, canonical)}`;
  else throw new Error('signRequest: give secret (HMAC-SM3) or privateKeyPem (SM2)');
  const headers: Record<string, string> = {
    'x-road-client': input.client,
    'x-road-id': input.messageId,
    date,
    authorization,
  };
  if (input.userId !== undefined) headers['x-road-userid'] = input.userId;
  if (purpose !== undefined) headers['x-road-purpose'] = purpose;
  if (input.issue !== undefined) headers['x-road-issue'] = input.issue;
  return headers;
}

export interface ParsedAuthorization {
  scheme: typeof HMAC_SCHEME | typeof SM2_SCHEME;
  keyId: string;
  signature: string;
}

export function parseAuthorization(value: string | undefined): ParsedAuthorization | null {
  if (!value) return null;
  const m = /^(EGOV-HMAC-SM3|EGOV-SM2)\s+(.+)$/.exec(value.trim());
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const part of m[2].split(',')) {
    const i = part.indexOf('=');
    if (i > 0) params[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  if (!params.keyId || !params.signature) return null;
  return { scheme: m[1] as ParsedAuthorization['scheme'], keyId: params.keyId, signature: params.signature };
}

export function verifySignature(auth: ParsedAuthorization, key: { kind: 'hmac_sm3' | 'sm2'; secret: string | null; publicKeyPem: string | null }, canonical: string): boolean {
  if (auth.scheme === HMAC_SCHEME) {
    if (key.kind !== 'hmac_sm3' || !key.secret) return false;
    return safeEqual(sm3Hmac(key.secret, canonical).toString('base64'), auth.signature);
  }
  if (key.kind !== 'sm2' || !key.publicKeyPem) return false;
  return sm2Verify(key.publicKeyPem, canonical, auth.signature);
}

/** What a signed request carries, read from its headers (the caller has checked they are present). */
export interface SignedRequest {
  method: string;
  url: string;
  header(name: string): string | undefined;
  body: Buffer;
  now: Date;
}

/**
 * The one check of a signed request (gateway calls and signed topic publishing): Authorization
 * syntax, Date within the skew, the client subsystem named in X-Road-Client, a key of that subsystem,
 * and the signature over the canonical string. Lookups are the caller's (the gateway caches them);
 * `fail(code, status, message)` builds the caller's error. Returns the client and the key id.
 */
export async function authenticateSignedRequest<C extends { id: string }>(
  req: SignedRequest,
  deps: {
    findClient(xroadId: string): Promise<C | null>;
    findKey(keyId: string): Promise<{ subsystem: { id: string }; kind: 'hmac_sm3' | 'sm2'; secret: string | null; publicKeyPem: string | null } | null>;
    fail(code: string, status: number, message: string): Error;
  },
): Promise<{ client: C; keyId: string }> {
  const clientId = req.header('x-road-client')!;
  const auth = parseAuthorization(req.header('authorization'));
  if (!auth) throw deps.fail('signature_invalid', 401, 'Authorization 应为 "EGOV-HMAC-SM3 keyId=…,signature=…" 或 "EGOV-SM2 keyId=…,signature=…"');
  const date = Date.parse(req.header('date') ?? '');
  if (Number.isNaN(date) || Math.abs(date - req.now.getTime()) > MAX_CLOCK_SKEW_MS) throw deps.fail('request_expired', 401, 'Date 请求头缺失或与网关时间相差超过 5 分钟');
  const client = await deps.findClient(clientId);
  if (!client) throw deps.fail('client_unknown', 401, `未知的客户端子系统 ${clientId}`);
  const key = await deps.findKey(auth.keyId);
  if (!key) throw deps.fail('signature_invalid', 401, `密钥 ${auth.keyId} 不存在或已吊销`);
  if (key.subsystem.id !== client.id) throw deps.fail('signature_invalid', 401, `密钥 ${auth.keyId} 不属于 ${clientId}`);
  const canonical = canonicalString({
    method: req.method, url: req.url, client: clientId, messageId: req.header('x-road-id')!,
    userId: req.header('x-road-userid'), purpose: req.header('x-road-purpose'), issue: req.header('x-road-issue'),
    date: req.header('date')!, bodySm3: bodyHash(req.body),
  });
  if (!verifySignature(auth, key, canonical)) throw deps.fail('signature_invalid', 401, '请求签名无效');
  return { client, keyId: auth.keyId };
}
