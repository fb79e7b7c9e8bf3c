/**
 * Throwaway certificate authorities for TLS tests, made with the openssl command: a CA
 * issues server and client certificates with any validity window, so a test can present
 * an expired certificate or one signed by a CA the server does not trust.
 *
 * OpenSSL 3.0 (Debian 12) has no `x509 -not_before/-not_after` (added in 3.4) and
 * `-days` cannot reach the past, so certificates are issued with `openssl ca`, whose
 * `-startdate`/`-enddate` take any date. Keys are EC P-256: generated in milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CertFiles {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface IssueOptions {
  /** `server` adds subjectAltName IP:127.0.0.1, DNS:localhost and serverAuth. */
  usage: 'server' | 'client';
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestCa extends CertFiles {
  name: string;
  issue(name: string, o: IssueOptions): CertFiles;
}

const DAY_MS = 86_400_000;

function ssl(args: string[], cwd?: string): void {
  execFileSync('openssl', args, { stdio: 'pipe', cwd });
}

/** `openssl ca` date: YYYYMMDDHHMMSSZ. */
function caDate(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function newKey(file: string): void {
  ssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

/** A fresh directory for one test file's certificates. */
export function pkiDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lh-pki-'));
}

/** A self-signed CA valid from yesterday for two days, in `<dir>/<name>/`. */
export function makeCa(dir: string, name: string): TestCa {
  const home = path.join(dir, name);
  mkdirSync(path.join(home, 'issued'), { recursive: true });
  const f = (n: string) => path.join(home, n);
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('serial'), '1000\n');
  writeFileSync(
    f('ca.cnf'),
    [
      '[ca]',
      'default_ca = this_ca',
      '[this_ca]',
      `database = ${f('index.txt')}`,
      `serial = ${f('serial')}`,
      `new_certs_dir = ${f('issued')}`,
      `certificate = ${f('ca.pem')}`,
      `private_key = ${f('ca.key')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '[server]',
      'basicConstraints = CA:FALSE',
      'keyUsage = digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
      '[client]',
      'basicConstraints = CA:FALSE',
      'keyUsage = digitalSignature',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  newKey(f('ca.key'));
  ssl([
    'req',
    '-x509',
    '-new',
    '-key',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    `/CN=logharbor test CA ${name}`,
  ]);

  return {
    name,
    certFile: f('ca.pem'),
    keyFile: f('ca.key'),
    cert: readFileSync(f('ca.pem')),
    key: readFileSync(f('ca.key')),
    issue(leaf, o) {
      const keyFile = f(`${leaf}.key`);
      const certFile = f(`${leaf}.pem`);
      newKey(keyFile);
      ssl([
        'req',
        '-new',
        '-key',
        keyFile,
        '-out',
        f(`${leaf}.csr`),
        '-subj',
        `/CN=${o.cn ?? (o.usage === 'server' ? '127.0.0.1' : leaf)}`,
      ]);
      const now = Date.now();
      ssl([
        'ca',
        '-batch',
        '-notext',
        '-config',
        f('ca.cnf'),
        '-extensions',
        o.usage,
        '-startdate',
        caDate(o.notBefore ?? new Date(now - DAY_MS)),
        '-enddate',
        caDate(o.notAfter ?? new Date(now + DAY_MS)),
        '-in',
        f(`${leaf}.csr`),
        '-out',
        certFile,
      ]);
      return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
    },
  };
}
