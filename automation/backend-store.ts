/**
 * The state backend as a small object store, beside Pulumi's own files: what
 * dr-failover keeps there (the stacks' settings, the journey locks) and what it
 * reads of Pulumi's (the stacks' locks). File (`file://<dir>`) and S3
 * (`s3://<bucket>[/<prefix>]?region=…`) backends; keys are paths from the
 * backend's root, e.g. `.pulumi/locks/…`. Other backends (Pulumi Cloud keeps
 * settings and locks itself; gs://, azblob://) have no store: undefined.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { awsErrorName } from "./aws.js";
import { S3 } from "./sdk.js";

export interface BackendStore {
  /** Where a key is, for messages: a path or an s3:// URL. */
  where(key: string): string;
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string): Promise<void>;
  /** Writes only when no object is there (atomically: O_EXCL, S3's If-None-Match); false when one was. */
  create(key: string, body: string): Promise<boolean>;
  /** Removes it; no error when it is gone already. */
  delete(key: string): Promise<void>;
  /** The keys under a prefix (recursively). */
  list(prefix: string): Promise<string[]>;
}

const stores = new Map<string, BackendStore | undefined>();

/**
 * The store of a file or s3:// backend; undefined for any other. `fallbackRegion`: when the URL names none.
 * One per backend and process: the settings, the journey lock and crash recovery share its S3 client.
 */
export function backendStoreFor(backendUrl: string, fallbackRegion: string): BackendStore | undefined {
  const key = `${backendUrl}\n${fallbackRegion}`;
  if (!stores.has(key)) stores.set(key, newBackendStore(backendUrl, fallbackRegion));
  return stores.get(key);
}

function newBackendStore(backendUrl: string, fallbackRegion: string): BackendStore | undefined {
  if (backendUrl.startsWith("file://")) {
    const root = backendUrl.startsWith("file:///") ? fileURLToPath(backendUrl) : backendUrl.slice("file://".length);
    return fileStore(root);
  }
  if (backendUrl.startsWith("s3://")) return s3Store(backendUrl, fallbackRegion);
  return undefined;
}

function fileStore(root: string): BackendStore {
  const path = (key: string) => join(root, ...key.split("/"));
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";
  return {
    where: path,
    get: (key) =>
      readFile(path(key), "utf8").catch((error: unknown) => {
        if (missing(error)) return undefined;
        throw error;
      }),
    async put(key, body) {
      await mkdir(dirname(path(key)), { recursive: true });
      await writeFile(path(key), body);
    },
    async create(key, body) {
      await mkdir(dirname(path(key)), { recursive: true });
      try {
        await writeFile(path(key), body, { flag: "wx" });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
    },
    delete: (key) => rm(path(key), { force: true }),
    async list(prefix) {
      const dir = path(prefix.replace(/\/+$/, ""));
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
        if (missing(error)) return [];
        throw error;
      });
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join("/"));
    },
  };
}

/**
 * The S3 client and key prefix of an s3:// backend URL, with the query
 * parameters Pulumi's (gocloud) S3 backend takes: region, endpoint,
 * disableSSL / disable_https, s3ForcePathStyle / use_path_style.
 */
function s3Backend(backendUrl: string, fallbackRegion: string): { client: S3Client; bucket: string; prefix: string } {
  const url = new URL(backendUrl);
  const param = (...names: string[]) =>
    names.map((name) => url.searchParams.get(name)).find((value) => value !== null) ?? undefined;
  const endpoint = param("endpoint");
  const insecure = param("disableSSL", "disable_https") === "true";
  const client = new S3.S3Client({
    region: param("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? fallbackRegion,
    // A URL without region= (the tool warns about it) may name a bucket elsewhere: follow S3's redirect.
    followRegionRedirects: true,
    endpoint: endpoint
      ? /^https?:\/\//.test(endpoint)
        ? endpoint
        : `${insecure ? "http" : "https"}://${endpoint}`
      : undefined,
    forcePathStyle: param("s3ForcePathStyle", "use_path_style") === "true",
    maxAttempts: 4,
  });
  const path = url.pathname.replace(/^\/+|\/+$/g, "");
  return { client, bucket: url.hostname, prefix: path ? `${path}/` : "" };
}

function s3Store(backendUrl: string, fallbackRegion: string): BackendStore {
  const { client, bucket, prefix } = s3Backend(backendUrl, fallbackRegion);
  const Key = (key: string) => `${prefix}${key}`;
  return {
    where: (key) => `s3://${bucket}/${Key(key)}`,
    async get(key) {
      try {
        const object = await client.send(new S3.GetObjectCommand({ Bucket: bucket, Key: Key(key) }));
        return (await object.Body?.transformToString()) ?? "";
      } catch (error) {
        if (awsErrorName(error) === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async put(key, body) {
      await client.send(new S3.PutObjectCommand({ Bucket: bucket, Key: Key(key), Body: body }));
    },
    async create(key, body) {
      try {
        await client.send(new S3.PutObjectCommand({ Bucket: bucket, Key: Key(key), Body: body, IfNoneMatch: "*" }));
        return true;
      } catch (error) {
        // 412: an object is there; 409: a concurrent conditional write of the same key won.
        if (["PreconditionFailed", "ConditionalRequestConflict"].includes(awsErrorName(error) ?? "")) return false;
        throw error;
      }
    },
    async delete(key) {
      await client.send(new S3.DeleteObjectCommand({ Bucket: bucket, Key: Key(key) }));
    },
    async list(keyPrefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: Key(keyPrefix), ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((object) => (object.Key ?? "").slice(prefix.length)));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
  };
}
