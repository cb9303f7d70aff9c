/** Certificates for the TLS tests, made by openssl in the test. */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';

export interface Cert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly pem: string;
  readonly fingerprint: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost. */
export function makeCert(dir: string, name: string): Cert {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'pipe' });
  const pem = execFileSync('cat', [certFile], { encoding: 'utf8' });
  return { certFile, keyFile, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}

