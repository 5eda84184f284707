/**
 * Starts the stand-in `pulumi-resource-aws` script as the engine would (reads
 * the port from its first stdout line) and talks to it with @pulumi/pulumi's
 * own gRPC client classes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
/** Repo root from test/support (the tests run from their sources only: tsconfig.build.json leaves them out of dist/). */
export const repoRoot = join(here, "..", "..");
export const pluginScript = join(repoRoot, "emulator", "aws-standin", "bin", "pulumi-resource-aws");

const pulumiRequire = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));
export const grpc = pulumiRequire("@grpc/grpc-js");
export const provproto = pulumiRequire("./proto/provider_pb");
export const provrpc = pulumiRequire("./proto/provider_grpc_pb");
export const plugproto = pulumiRequire("./proto/plugin_pb");
export const structproto = pulumiRequire("google-protobuf/google/protobuf/struct_pb");
export const emptyproto = pulumiRequire("google-protobuf/google/protobuf/empty_pb");

export interface RunningPlugin {
  port: number;
  stdout: () => string;
  stderr: () => string;
  client: any;
  /** Promisified unary call: `call("configure", request)`. */
  call<T = any>(method: string, request: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startPlugin(env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<RunningPlugin> {
  const child: ChildProcess = spawn(pluginScript, [], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`plugin printed no port in ${timeoutMs}ms; stderr: ${stderr}`)),
      timeoutMs,
    );
    child.stdout!.on("data", (chunk) => {
      stdout += String(chunk);
      const line = stdout.split("\n")[0]!;
      if (stdout.includes("\n")) {
        clearTimeout(timer);
        const value = Number(line.trim());
        if (Number.isInteger(value) && value > 0) resolve(value);
        else reject(new Error(`first stdout line is not a port: ${JSON.stringify(line)}`));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`plugin exited (${code}) before printing a port; stderr: ${stderr}`));
    });
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    port,
    stdout: () => stdout,
    stderr: () => stderr,
    client,
    call(method, request) {
      return new Promise((resolve, reject) => {
        client[method](request, (error: unknown, response: any) => (error ? reject(error) : resolve(response)));
      });
    },
    async stop() {
      client.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
