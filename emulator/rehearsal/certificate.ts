/**
 * A self-signed TLS certificate for the emulator world's names, made with the
 * `openssl` command (Node has no X.509 writer): imported into moto's ACM for
 * the DR load balancer's HTTPS listener, served by the app stand-in, and
 * trusted by the rehearsal for its own connections only.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface TlsCertificate {
  /** PEM certificate (self-signed: it is its own trust anchor). */
  cert: string;
  /** PEM private key (never leaves the emulator). */
  key: string;
}

const made = new Map<string, Promise<TlsCertificate>>();

async function make(names: readonly string[], days: number): Promise<TlsCertificate> {
  const dir = await mkdtemp(join(tmpdir(), "dr-emulator-tls-"));
  try {
    const [certPath, keyPath] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    await promisify(execFile)(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyPath,
        "-out",
        certPath,
        "-days",
        String(days),
        "-subj",
        `/CN=${names[0]}`,
        "-addext",
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(",")}`,
      ],
      { timeout: 30_000 },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        error.code === "ENOENT"
          ? "the emulator makes its TLS certificate with the openssl command, which is not installed (e.g. apt-get install openssl)"
          : `openssl could not make the emulator's TLS certificate: ${error.message}`,
        { cause: error },
      );
    });
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A certificate for `names` (the first is the subject), valid `days` days; made once per process and set of names. */
export function selfSignedCertificate(names: readonly string[], days = 365): Promise<TlsCertificate> {
  const key = `${days}:${names.join(",")}`;
  let certificate = made.get(key);
  if (!certificate) {
    certificate = make(names, days);
    certificate.catch(() => made.delete(key));
    made.set(key, certificate);
  }
  return certificate;
}
