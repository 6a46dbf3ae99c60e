/** Tokens of QBO's query language. Keywords are recognised case-insensitively by the parser. */
import { parseFault } from './errors';

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'star' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 1-based column of the token's first character. */
  readonly column: number;
}

const OPS = ['<=', '>=', '!=', '<>', '=', '<', '>'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const column = i + 1;
    if (c === "'") {
      const [text, next] = readString(sql, i);
      tokens.push({ kind: 'string', text, column });
      i = next;
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, column });
      i += op.length;
      continue;
    }
    if ('(),'.includes(c)) tokens.push({ kind: 'punct', text: c, column });
    else if (c === '*') tokens.push({ kind: 'star', text: c, column });
    const number = /^-?\d+(\.\d+)?/.exec(sql.slice(i));
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(sql.slice(i));
    if ('(),*'.includes(c)) i++;
    else if (number) {
      tokens.push({ kind: 'number', text: number[0], column });
      i += number[0].length;
    } else if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], column });
      i += ident[0].length;
    } else {
      throw parseFault(`Lexical error at line 1, column ${column}.  Encountered: "${c}" (${c.charCodeAt(0)}), after : ""`);
    }
  }
  tokens.push({ kind: 'eof', text: '<EOF>', column: sql.length + 1 });
  return tokens;
}

/** Reads a quoted literal starting at `start`; `\'` and `''` both stand for a quote. */
function readString(sql: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && i + 1 < sql.length) {
      out += sql[i + 1];
      i += 2;
    } else if (c === "'" && sql[i + 1] === "'") {
      out += "'";
      i += 2;
    } else if (c === "'") {
      return [out, i + 1];
    } else {
      out += c;
      i++;
    }
  }
  throw parseFault(`Lexical error at line 1, column ${sql.length + 1}.  Encountered: <EOF> after : "'${out}"`);
}
