/**
 * Why a TLS client was refused, in OpenSSL's words (issue 6: one clear line with the peer
 * and the reason, never key material).
 *
 * Two places know it. An OpenSSL handshake error carries its reason (`err.reason`, e.g.
 * "wrong version number", "sslv3 alert certificate expired"). A client certificate that
 * fails verification does not: Node completes the handshake and reports only a code in
 * `authorizationError` (e.g. CERT_HAS_EXPIRED; with rejectUnauthorized it would even
 * destroy the socket before anyone could read the peer address). The code is translated
 * back to OpenSSL's text with the table below.
 */
import type tls from 'node:tls';

/**
 * X509_verify_cert_error_string (OpenSSL 3.0, crypto/x509/x509_txt.c) for the codes Node
 * lists for `authorizationError` that can arise without CRLs (none are configured).
 */
const VERIFY_REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "unable to decrypt certificate's signature",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'unable to decode issuer public key',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: "format error in certificate's notBefore field",
  ERROR_IN_CERT_NOT_AFTER_FIELD: "format error in certificate's notAfter field",
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
};

/** OpenSSL's text when a client sends no certificate to a server that demands one. */
export const NO_CLIENT_CERT = 'peer did not return a certificate';

export interface CertRefusal {
  reason: string;
  /** Node's code for it (CERT_HAS_EXPIRED, ...), or null when no certificate came. */
  verifyCode: string | null;
  /** The refused certificate's subject CN, if any (a name, never key material). */
  subject: string | null;
}

/** Translates a verify code from `authorizationError`; an unknown code is given as is. */
export function verifyReason(code: string): string {
  return VERIFY_REASONS[code] ?? code;
}

/**
 * Null when the client's certificate verified against the configured CA; otherwise why
 * not. Call once the handshake is done (secureConnection) on a server with requestCert.
 */
export function clientCertRefusal(socket: tls.TLSSocket): CertRefusal | null {
  if (socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  // getPeerCertificate() is an empty object when the peer sent none.
  if (!cert || Object.keys(cert).length === 0)
    return { reason: NO_CLIENT_CERT, verifyCode: null, subject: null };
  // Typed as Error by @types/node; Node sets the code string (lib/_tls_wrap.js).
  const raw: unknown = socket.authorizationError;
  const code =
    typeof raw === 'string' ? raw : raw instanceof Error ? raw.message : 'certificate not verified';
  const cn: unknown = cert.subject?.CN;
  return {
    reason: verifyReason(code),
    verifyCode: code,
    subject: typeof cn === 'string' ? cn : null,
  };
}

/** OpenSSL's reason for a failed handshake (`err.reason`), else Node's message. */
export function handshakeErrorReason(err: Error): string {
  const reason: unknown = 'reason' in err ? err.reason : undefined;
  return typeof reason === 'string' && reason !== '' ? reason : err.message;
}
