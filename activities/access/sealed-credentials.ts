// Credentials sealed to the requester: only the holder of the X25519 private key the request named can read them.
// X25519 (an ephemeral key per grant) → HKDF-SHA-256 → AES-256-GCM, bound to the grant id; node:crypto only.
// The worker seals (activities/access/grant.ts), `nhi request` (or a pipeline) opens.
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { type IssuedCredentials, SealedCredentials } from '../../schemas/access.ts';

const INFO = 'nhi-enforce access credentials v1';
const ALG = 'X25519-HKDF-SHA256-AES256GCM' as const;

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
const hexOf = (b64: string) => Buffer.from(b64, 'base64url').toString('hex');

const publicKeyFromHex = (hex: string): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(hex) }, format: 'jwk' });

const publicHexOf = (key: KeyObject): string => hexOf(String(key.export({ format: 'jwk' }).x));

/** A key pair for one request: the public half goes in the request, the private half never leaves the requester. */
export function newRecipientKey(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { publicKey: publicHexOf(publicKey), privateKey: hexOf(String(jwk.d)) };
}

function keyOf(shared: Buffer, epk: string, rpk: string, grantId: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', shared, Buffer.from(epk + rpk, 'hex'), Buffer.from(`${INFO}\n${grantId}`), 32),
  );
}

export function sealCredentials(
  credentials: IssuedCredentials,
  recipientPublicKey: string,
  grantId: string,
): SealedCredentials {
  const ephemeral = generateKeyPairSync('x25519');
  const epk = publicHexOf(ephemeral.publicKey);
  const shared = diffieHellman({
    privateKey: ephemeral.privateKey,
    publicKey: publicKeyFromHex(recipientPublicKey),
  });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(shared, epk, recipientPublicKey, grantId), iv);
  cipher.setAAD(Buffer.from(grantId));
  const ct = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
  return {
    v: 1,
    alg: ALG,
    epk,
    iv: iv.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
    ct: ct.toString('hex'),
  };
}

/** The credentials, or an Error with one line (wrong key, tampered entry, another grant's entry). */
export function openCredentials(sealed: unknown, privateKeyHex: string, grantId: string): IssuedCredentials {
  const parsed = SealedCredentials.safeParse(sealed);
  if (!parsed.success) throw new Error('the handoff entry is not sealed credentials');
  const s = parsed.data;
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: b64url(privateKeyHex), x: '' },
    format: 'jwk',
  });
  const rpk = publicHexOf(createPublicKey(privateKey));
  const shared = diffieHellman({ privateKey, publicKey: publicKeyFromHex(s.epk) });
  const decipher = createDecipheriv(
    'aes-256-gcm',
    keyOf(shared, s.epk, rpk, grantId),
    Buffer.from(s.iv, 'hex'),
  );
  decipher.setAAD(Buffer.from(grantId));
  decipher.setAuthTag(Buffer.from(s.tag, 'hex'));
  try {
    const text = Buffer.concat([decipher.update(Buffer.from(s.ct, 'hex')), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as IssuedCredentials;
  } catch {
    throw new Error('the credentials do not open with this key (another request, or the entry was altered)');
  }
}
