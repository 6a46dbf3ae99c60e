import { createHash } from 'node:crypto';
import { canonicalJson, payloadSha256 } from '../../src/store/canonical-json';

describe('canonical JSON', () => {
  it('sorts object keys by UTF-16 code units at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, B: 2 })).toBe(
      '{"B":2,"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
    expect(canonicalJson({ '\u00e9': 1, z: 2, '\ud83d\ude00': 3 })).toBe('{"z":2,"é":1,"😀":3}');
  });

  it('writes numbers in their shortest round-trip form and escapes strings like JSON.stringify', () => {
    expect(canonicalJson([1.0, 100, 0.1, -0, 1e21, 1.5e-7])).toBe('[1,100,0.1,0,1e+21,1.5e-7]');
    expect(canonicalJson('tab\tquote"back\\slash\u0001')).toBe('"tab\\tquote\\"back\\\\slash\\u0001"');
  });

  it('hashes the same object identically whatever its key order, and differently when a value changes', () => {
    const a = { Id: '1', SyncToken: '0', Name: 'A' };
    const b = { Name: 'A', SyncToken: '0', Id: '1' };
    expect(payloadSha256(a)).toBe(payloadSha256(b));
    expect(payloadSha256(a)).toBe(createHash('sha256').update('{"Id":"1","Name":"A","SyncToken":"0"}').digest('hex'));
    expect(payloadSha256({ ...a, SyncToken: '1' })).not.toBe(payloadSha256(a));
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/Cannot canonicalise the number NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/type function/);
  });
});
