/**
 * `npm run sandbox -- --port <p> …`: starts the local QBO sandbox and prints ONE JSON line on stdout,
 * `{"baseUrl","tokenUrl","realmId","clientId","clientSecret","refreshToken"}`, once it is ready. Nothing else goes
 * to stdout; diagnostics go to stderr. Stops cleanly on SIGINT/SIGTERM.
 */
import { isConfigError } from '../core/errors';
import { parseArgs } from './cli-args';
import { startSandbox } from './index';

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseArgs(process.argv.slice(2));
  const qbo = await startSandbox(options);
  const { baseUrl, tokenUrl, realmId, clientId, clientSecret, refreshToken } = qbo;
  process.stdout.write(`${JSON.stringify({ baseUrl, tokenUrl, realmId, clientId, clientSecret, refreshToken })}\n`);
  process.stderr.write(`QBO sandbox ready at ${baseUrl} (realm ${realmId}) in ${Date.now() - started} ms; admin routes under ${baseUrl}/__sandbox/\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`QBO sandbox stopping (${signal})\n`);
    qbo.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`QBO sandbox did not close cleanly: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`QBO sandbox failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(isConfigError(e) ? 2 : 1);
});
