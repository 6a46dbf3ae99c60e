import { isConfigError, type ConfigError } from '../../src/core/errors';
import { parseEntity, parseVariables } from '../../src/config/variables';

const base = { fecha_inicio: '2024-01-01', fecha_fin: '2024-02-01' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (isConfigError(e)) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseVariables', () => {
  it('applies the documented defaults', () => {
    const v = parseVariables(base, 'invoices');
    expect(v).toEqual({
      entity: 'invoices',
      from: new Date('2024-01-01T00:00:00Z'),
      to: new Date('2024-02-01T00:00:00Z'),
      chunkDays: 7,
      pageSize: 1000,
      dateField: 'last_updated',
      resume: true,
      force: false,
    });
    expect(Object.isFrozen(v)).toBe(true);
  });

  it('reads a date-time without zone as UTC and converts other offsets to UTC', () => {
    const v = parseVariables({ fecha_inicio: '2024-01-01T10:00:00', fecha_fin: '2024-01-02T00:00:00-05:00' }, 'customers');
    expect(v.from.toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(v.to.toISOString()).toBe('2024-01-02T05:00:00.000Z');
  });

  it('accepts a space separator, Z and compact offsets', () => {
    const v = parseVariables({ fecha_inicio: '2024-01-01 00:00:00Z', fecha_fin: '2024-01-03T00:00:00+0130' }, 'items');
    expect(v.from.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(v.to.toISOString()).toBe('2024-01-02T22:30:00.000Z');
  });

  it('accepts strings as Mage sends them and typed values alike', () => {
    const fromStrings = parseVariables({ ...base, chunk_days: '3', page_size: '500', resume: 'false', force: 'true' }, 'items');
    const typed = parseVariables({ ...base, chunk_days: 3, page_size: 500, resume: false, force: true }, 'items');
    expect(fromStrings).toEqual(typed);
    expect(typed).toMatchObject({ chunkDays: 3, pageSize: 500, resume: false, force: true });
  });

  it('treats empty strings and null as not given', () => {
    expect(parseVariables({ ...base, chunk_days: '', page_size: null, resume: ' ' }, 'items')).toMatchObject({
      chunkDays: 7,
      pageSize: 1000,
      resume: true,
    });
  });

  it('accepts fractional chunk days that are whole seconds', () => {
    expect(parseVariables({ ...base, chunk_days: '0.5' }, 'items').chunkDays).toBe(0.5);
  });

  it.each([
    ['fecha_inicio', { ...base, fecha_inicio: '2024-13-01' }, 'ISO-8601'],
    ['fecha_inicio', { ...base, fecha_inicio: '2024-02-30' }, 'ISO-8601'],
    ['fecha_fin', { fecha_inicio: '2024-01-01' }, 'required'],
    ['chunk_days', { ...base, chunk_days: '0' }, 'positive number'],
    ['chunk_days', { ...base, chunk_days: 'week' }, 'positive number'],
    ['page_size', { ...base, page_size: 1001 }, '1 to 1000'],
    ['page_size', { ...base, page_size: '10.5' }, '1 to 1000'],
    ['date_field', { ...base, date_field: 'created' }, 'last_updated or txn_date'],
    ['resume', { ...base, resume: 'maybe' }, 'true or false'],
    ['fecha_fin', { fecha_inicio: '2024-02-01', fecha_fin: '2024-01-01' }, 'after fecha_inicio'],
  ])('rejects a bad %s naming it and the accepted form', (variable, raw, form) => {
    const err = configError(() => parseVariables(raw, 'invoices'));
    expect(err.code).toBe('CONFIG_INVALID_VARIABLE');
    expect(err.message).toContain(variable);
    expect(err.message).toContain(form);
    expect(err.context.variables).toEqual([variable]);
  });

  it('reports every problem in one error', () => {
    const err = configError(() => parseVariables({ fecha_inicio: 'yesterday', page_size: 0, force: 'nope' }, 'invoices'));
    expect(err.context.variables).toEqual(['fecha_inicio', 'fecha_fin', 'page_size', 'force']);
    expect(err.message).toMatch(/^4 invalid variables/);
  });

  it('allows txn_date for invoices on whole UTC days only', () => {
    expect(parseVariables({ ...base, date_field: 'txn_date' }, 'invoices').dateField).toBe('txn_date');
    expect(configError(() => parseVariables({ ...base, date_field: 'txn_date' }, 'customers')).message).toContain('only available for invoices');
    const midDay = { fecha_inicio: '2024-01-01T12:00:00Z', fecha_fin: '2024-02-01', date_field: 'txn_date' };
    expect(configError(() => parseVariables(midDay, 'invoices')).message).toContain('midnight UTC');
    expect(configError(() => parseVariables({ ...base, date_field: 'txn_date', chunk_days: 1.5 }, 'invoices')).message).toContain('whole number');
  });

  it('rejects fractions of a second, which QBO cannot compare', () => {
    expect(configError(() => parseVariables({ ...base, fecha_inicio: '2024-01-01T00:00:00.250Z' }, 'items')).message).toContain('whole seconds');
  });
});

describe('parseEntity', () => {
  it('accepts the three entities and names the accepted values otherwise', () => {
    expect(parseEntity('Invoices')).toBe('invoices');
    expect(() => parseEntity('bills')).toThrow(/invoices, customers, items/);
  });
});
