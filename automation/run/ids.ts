/** Run ids, the short id in a drill's names, generated passwords, and redaction of known secrets. */
import { randomBytes } from "node:crypto";

export function newRunId(mode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase();
  return `${stamp}-${mode}-${randomBytes(2).toString("hex")}`;
}

/** The short part of a run id that goes into a drill's resource names. */
export const shortId = (runId: string) => runId.slice(-4);

/** Replaces every known secret value in text. */
export function redactor(secrets: string[]): (text: string) => string {
  const known = secrets.filter((secret) => secret.length >= 4);
  return (text) => known.reduce((result, secret) => result.split(secret).join("[secret]"), text);
}

export function newPassword(): string {
  // RDS forbids / @ " and spaces; base64url has none of them.
  return randomBytes(24).toString("base64url");
}
