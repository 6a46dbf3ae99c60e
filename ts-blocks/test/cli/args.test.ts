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
    expect(() => parseCommand(['run', '--entity'])).toThrow(/--entity needs a value: one of invoices, customers, items or all/);
    expect(() => parseCommand(['report', '--entity', 'all'])).toThrow(/--entity must be one of invoices, customers, items \(got "all"\)/);
    let thrown: unknown;
    try {
      parseCommand(['frobnicate']);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ kind: 'config', code: 'CLI_USAGE', message: 'Unknown command "frobnicate".' });
  });

  it('gives each command its own help, and the version', () => {
    expect(parseCommand(['run', '--help'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommand(['report', '--entity', 'items', '-h'])).toEqual({ command: 'help', topic: 'report' });
    expect(parseCommand(['db', '--help'])).toEqual({ command: 'help', topic: 'db' });
    expect(parseCommand(['help', 'run'])).toEqual({ command: 'help', topic: 'run' });
    expect(() => parseCommand(['help', 'migrate'])).toThrow(/No help for "migrate": the commands are run, report, db/);
    expect(parseCommand(['--version'])).toEqual({ command: 'version' });
    expect(parseCommand(['-V'])).toEqual({ command: 'version' });
  });

  it.each([
    [['--from', '--to', '2024-02-01'], /^--from needs a value: the start of the range, .*\(e\.g\. --from 2024-01-01\); it is followed by --to\.$/],
    [['--from', '2024-01-01', '--to'], /^--to needs a value: the end of the range \(exclusive\), .*; nothing follows it\.$/],
    [['--from', '2024-01-01', '--to', '2024-02-01', '--chunk-days', '--force'], /^--chunk-days needs a value: a positive number of days \(e\.g\. --chunk-days 7\); it is followed by --force\.$/],
    [['--from', '2024-01-01', '--to', '2024-02-01', '--page-size'], /^--page-size needs a value: an integer from 1 to 1000 \(e\.g\. --page-size 1000\)/],
    [['--from', '2024-01-01', '--to', '2024-02-01', '--date-field', '-x'], /^--date-field needs a value: last_updated or txn_date/],
  ])('names the flag whose value is missing in %j, with what it expects', (flags, message) => {
    let thrown: unknown;
    try {
      parseCommand(['run', '--entity', 'items', ...flags]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ kind: 'config', code: 'CLI_USAGE', context: { help: 'run' }, message: expect.stringMatching(message) });
  });

  it('passes a negative number on as the flag\'s value, for its own validation to judge', () => {
    const cmd = parseCommand(['run', '--entity', 'items', '--from', '2024-01-01', '--to', '2024-02-01', '--chunk-days', '-1', '--page-size', '-5']);
    expect(cmd).toMatchObject({ variables: { chunk_days: '-1', page_size: '-5' } });
    expect(parseCommand(['run', '--entity', 'items', '--from=2024-01-01', '--to', '2024-02-01'])).toMatchObject({ variables: { fecha_inicio: '2024-01-01' } });
  });

  it('speaks of flags, not Mage variable names, in variable errors', () => {
    expect(inFlagTerms('fecha_fin must be after fecha_inicio; chunk_days, page_size, date_field')).toBe(
      '--to must be after --from; --chunk-days, --page-size, --date-field',
    );
    expect(inFlagTerms('Invalid variable: chunk_days must be a positive number')).toBe('Invalid value: --chunk-days must be a positive number');
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
