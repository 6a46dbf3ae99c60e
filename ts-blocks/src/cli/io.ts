/** What a CLI command reads and writes; injected so commands can run in-process in tests. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
