/** Runs one entity's pipeline (loader → exporter → validator) in this process against a sandbox and a test database. */
import { loadSettings } from '../../src/config/settings';
import { parseVariables } from '../../src/config/variables';
import type { BackfillEvent, Entity } from '../../src/core/events';
import { memoryTokenStore } from '../../src/core/token-store';
import type { Clock } from '../../src/http/clock';
import { openBackfillContext } from '../../src/pipeline/context';
import { runEntity, type EntityRunSummary } from '../../src/pipeline/run-entity';
import type { SandboxHandle } from '../../src/sandbox';
import { cliEnv } from '../cli/helpers';

export interface InProcessRun {
  readonly summary: EntityRunSummary;
  readonly events: BackfillEvent[];
}

export async function runInProcess(
  sandbox: SandboxHandle,
  databaseUrl: string,
  dir: string,
  entity: Entity,
  variables: Record<string, unknown>,
  options: { clock?: Clock; onEvent?: (e: BackfillEvent) => void } = {},
): Promise<InProcessRun> {
  const env = cliEnv(sandbox, databaseUrl, dir);
  const events: BackfillEvent[] = [];
  const emit = (e: BackfillEvent) => {
    events.push(e);
    options.onEvent?.(e);
  };
  const ctx = await openBackfillContext(loadSettings({ secrets: {}, env }), {
    emit, origin: 'cli', env, tokenStore: memoryTokenStore(sandbox.refreshToken), ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    return { summary: await runEntity(ctx, parseVariables(variables, entity)), events };
  } finally {
    await ctx.db.close();
  }
}
