/**
 * How the CLI shows events. `--json`: every event as one sanitised NDJSON line on stdout (a rotated refresh token
 * is never printed: the event is reduced to its type). Otherwise: a progress bar per entity on stderr (when it is a
 * terminal; plain lines otherwise), and as lines as they happen: retries and throttle waits, warnings and errors.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { BackfillEvent, ChunkEvent, Entity, EventSink } from '../core/events';
import { sanitize, sanitizeValue } from '../core/sanitize';
import { retryLine } from './retry-line';

export interface Renderer {
  readonly emit: EventSink;
  stop(): void;
}

export function jsonRenderer(out: NodeJS.WritableStream): Renderer {
  return {
    emit(event: BackfillEvent) {
      const safe = event.type === 'token_rotated' ? { type: 'token_rotated' } : sanitizeValue(event);
      out.write(`${JSON.stringify(safe)}\n`);
    },
    stop: () => undefined,
  };
}

interface EntityProgress {
  bar?: SingleBar;
  chunks: number;
  extracted: number;
  loaded: number;
  rows: number;
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}

export function progressRenderer(err: NodeJS.WritableStream): Renderer {
  const tty = isTty(err);
  const multi = tty
    ? new MultiBar(
        {
          stream: err,
          format: ' {entity} |{bar}| {extracted}/{chunks} extracted, {loaded}/{chunks} loaded | {rows} rows',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
        },
        Presets.shades_classic,
      )
    : undefined;
  const progress = new Map<Entity, EntityProgress>();
  const print = (line: string) => (multi ? multi.log(`${line}\n`) : err.write(`${line}\n`));

  const onChunk = (e: ChunkEvent) => {
    const p = progress.get(e.entity) ?? { chunks: e.chunk_count, extracted: 0, loaded: 0, rows: 0 };
    progress.set(e.entity, p);
    p.chunks = e.chunk_count;
    const finished = e.status === 'done' || e.status === 'skipped';
    if (finished && e.phase === 'extract') p.extracted += 1;
    if (finished && e.phase === 'load') {
      p.loaded += 1;
      p.rows += e.metrics?.rows_read ?? 0;
    }
    if (e.status === 'failed') print(`${e.entity}: chunk ${e.chunk_index} ${e.phase} failed: ${sanitize(e.reason ?? '')}`);
    const payload = { entity: e.entity.padEnd(9), chunks: p.chunks, extracted: p.extracted, loaded: p.loaded, rows: p.rows };
    if (multi) {
      p.bar ??= multi.create(p.chunks * 2, 0, payload);
      p.bar.setTotal(p.chunks * 2);
      p.bar.update(p.extracted + p.loaded, payload);
    } else if (finished && e.phase === 'load' && p.loaded === p.chunks) {
      print(`${e.entity}: ${p.loaded}/${p.chunks} chunks loaded, ${p.rows} rows read`);
    }
  };

  return {
    emit(event: BackfillEvent) {
      if (event.type === 'chunk') onChunk(event);
      else if (event.type === 'retry') print(sanitize(retryLine(event)));
      else if (event.type === 'log' && (event.level === 'warn' || event.level === 'error')) {
        print(`${event.level}: ${sanitize(event.message)}`);
      } else if (event.type === 'validation' && event.severity !== 'ok') {
        print(`${event.entity} validation ${event.severity} (${event.check}): ${sanitize(event.message)}`);
      }
    },
    stop() {
      multi?.stop();
    },
  };
}
