import { ALL_ENTITIES, inFlagTerms, parseCommand } from '../../src/cli/args';
import { formatDuration, renderTable } from '../../src/core/table';

describe('command line parsing', () => {
  it('maps run flags onto the SPEC §3 variables', () => {
    expect(
      parseCommand(['run', '--entity', 'invoices', '--from', '2024-01-01', '--to', '2024-02-01', '--chunk-days', '3', '--page-size', '500',
        '--date-field', 'txn_date', '--no-resume', '--force', '--json']),
    ).toEqual({
      command: 'run',
      entities: ['invoices'],
      json: true,
      variables: { fecha_inicio: '2024-01-01', fecha_fin: '2024-02-01', chunk_days: '3', page_size: '500', date_field: 'txn_date', resume: false, force: true },
    });
  });

  it('defaults resume on and force off, and --entity all runs names before transactions', () => {
    const cmd = parseCommand(['run', '--entity', 'ALL', '--from', 'a', '--to', 'b']);
    expect(cmd).toMatchObject({ entities: ALL_ENTITIES, json: false, variables: { resume: true, force: false, chunk_days: undefined } });
    expect(ALL_ENTITIES).toEqual(['customers', 'items', 'invoices']);
  });

  it('parses db init, report and help', () => {
    expect(parseCommand(['db', 'init'])).toEqual({ command: 'db-init' });
    expect(parseCommand(['report', '--run', 'abc', '--json'])).toEqual({ command: 'report', runId: 'abc', json: true });
    expect(parseCommand(['report', '--entity', 'items'])).toEqual({ command: 'report', entity: 'items', json: false });
    expect(parseCommand([])).toEqual({ command: 'help' });
    expect(parseCommand(['--help'])).toEqual({ command: 'help' });
  });

  it('rejects what it does not know with a usage error', () => {
    expect(() => parseCommand(['db', 'drop'])).toThrow(/expected "db init"/);
    expect(() => parseCommand(['run', '--entity', 'items', '--from', 'a', '--to', 'b', 'extra'])).toThrow(/Unexpected argument 'extra'/);
    expect(() => parseCommand(['run', '--entity'])).toThrow(/argument missing/);
    expect(() => parseCommand(['report', '--entity', 'all'])).toThrow(/--entity must be one of invoices, customers, items \(got "all"\)/);
    let thrown: unknown;
    try {
      parseCommand(['frobnicate']);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ kind: 'config', code: 'CLI_USAGE', message: 'Unknown command "frobnicate".' });
  });

  it('speaks of flags, not Mage variable names, in variable errors', () => {
    expect(inFlagTerms('fecha_fin must be after fecha_inicio; chunk_days, page_size, date_field')).toBe(
      '--to must be after --from; --chunk-days, --page-size, --date-field',
    );
  });
});

describe('text table', () => {
  it('aligns text left and numbers (and their headers) right, with thousands separators', () => {
    expect(renderTable(['entity', 'rows'], [['items', 1234], ['invoices', 5]])).toBe(
      ['entity     rows', '--------  -----', 'items     1,234', 'invoices      5'].join('\n'),
    );
  });

  it('formats durations', () => {
    expect([formatDuration(12.4), formatDuration(1500), formatDuration(125_000)]).toEqual(['12 ms', '1.5 s', '2 min 5 s']);
  });
});
