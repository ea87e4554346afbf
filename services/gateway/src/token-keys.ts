import { createPublicKey } from 'node:crypto';

/**
 * The one signature algorithm accepted for an identity provider's PEM public key, by the key's type;
 * null when it is not a PEM public key of a type we accept.
 */
export function publicKeyAlgorithm(pem: string): 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | null {
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) return null;
  try {
    const key = createPublicKey(pem);
    switch (key.asymmetricKeyType) {
      case 'rsa': return 'RS256';
      case 'rsa-pss': return 'PS256';
      case 'ec': return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : null;
      case 'ed25519': return 'EdDSA';
      default: return null;
    }
  } catch {
    return null;
  }
}
