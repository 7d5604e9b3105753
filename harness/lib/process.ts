// Child processes and polling for every suite of the proving ground: one implementation, so a
// fix to how a command is run reaches the image, cluster and Kubernetes suites at once.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command without a shell and collects its output; never throws for a non-zero exit.
 * A command may exit before reading its input (`ip netns list`, `true`): writing to its closed
 * pipe then fails with EPIPE on the stdin stream. That is the command's choice, not a failure
 * of ours — its exit code says how it went — so the stream's error is consumed here instead
 * of crashing the test process as an unhandled 'error' event.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const withInput = opts.input !== undefined;
    const child = spawn(cmd, args, { stdio: [withInput ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n${cmd} was killed after ${timeoutMs / 1000}s`;
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (withInput && child.stdin) {
      child.stdin.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') stderr += `\nwriting to ${cmd}'s stdin: ${err.message}`;
      });
      child.stdin.end(opts.input);
    }
  });
}

/** Runs a command and returns its stdout; throws naming the command, its exit code and output. */
export async function check(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd.split('/').pop()} ${args.join(' ')} exited ${r.code}:\n${(r.stderr.trim() + '\n' + r.stdout.trim()).trim()}`);
  }
  return r.stdout;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls fn until it returns something other than undefined/false, or throws after timeoutMs
 * with the last value or error seen, so a failure says what was still wrong.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last: ${String(last)}`);
    await sleep(everyMs);
  }
}
