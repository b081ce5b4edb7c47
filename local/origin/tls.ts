/**
 * A local certificate authority and a certificate for 127.0.0.1 and
 * localhost signed by it, made with the machine's `openssl` in a temporary
 * directory: the origin stand-in serves https with them, and a function
 * container trusts the CA through `NODE_EXTRA_CA_CERTS`, as a real one trusts
 * public CAs. Nothing is committed or reused: the keys live as long as the run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The CA and the server certificate, as PEM, and the CA's file for `NODE_EXTRA_CA_CERTS`. */
export interface LocalTls {
  /** The CA certificate's file. */
  readonly caFile: string;
  readonly ca: string;
  /** The server's private key and certificate (subject alternative names 127.0.0.1, ::1 and localhost). */
  readonly key: string;
  readonly cert: string;
  /** Removes the directory. */
  dispose(): void;
}

/** Makes a CA and a server certificate signed by it (ECDSA P-256, valid one day). */
export function createLocalTls(): LocalTls {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=cdk-mirror-origin local CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
      '-days', '1', '-extfile', 'server.ext');
    return {
      caFile: file('ca.pem'),
      ca: fs.readFileSync(file('ca.pem'), 'utf8'),
      key: fs.readFileSync(file('server.key'), 'utf8'),
      cert: fs.readFileSync(file('server.pem'), 'utf8'),
      dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not make a local CA with openssl${stderr ? `: ${stderr}` : ''}`);
  }
}
