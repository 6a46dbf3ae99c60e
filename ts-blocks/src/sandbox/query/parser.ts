/**
 * QBO's query grammar, as clients really send it:
 *   SELECT * | COUNT(*) | item, … FROM Entity [WHERE cond AND cond …] [ORDERBY|ORDER BY field [ASC|DESC], …]
 *   [STARTPOSITION n] [MAXRESULTS n]   (the last two in either order)
 * where a select item is `*` or a property (`SELECT *, Sku FROM Item` from python-quickbooks,
 * `SELECT Id, MetaData.LastUpdatedTime FROM Invoice` from Intuit's SDK query generators).
 * Keywords and entity names are case-insensitive; operators = < > <= >= IN LIKE; AND only (no OR, NOT, JOIN,
 * GROUP BY). Anything else is a 400 Fault 4000 "Error parsing query", worded like QBO's parser.
 */
import { parseFault } from './errors';
import { tokenize, type Token } from './lexer';

export type Operator = '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';

export interface Literal {
  readonly type: 'string' | 'number' | 'bool';
  readonly text: string;
}

export interface Condition {
  readonly field: string;
  readonly op: Operator;
  readonly values: readonly Literal[];
}

export interface OrderTerm {
  readonly field: string;
  readonly desc: boolean;
}

export interface ParsedQuery {
  readonly count: boolean;
  /** Properties the select list names besides `*`. QBO checks they exist but still answers every property. */
  readonly select: readonly string[];
  readonly entity: string;
  readonly where: readonly Condition[];
  readonly orderBy: readonly OrderTerm[];
  readonly startPosition?: number;
  readonly maxResults?: number;
}

const KEYWORDS = new Set(['select', 'from', 'where', 'and', 'or', 'not', 'in', 'like', 'order', 'orderby', 'by',
  'asc', 'desc', 'startposition', 'maxresults', 'count', 'join', 'group', 'having', 'limit', 'offset']);

class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private isKeyword(word: string, t: Token = this.peek()): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  private fail(expected: string[]): never {
    const t = this.peek();
    const kind = t.kind === 'eof' ? '<EOF>' : KEYWORDS.has(t.text.toLowerCase()) ? `"${t.text.toLowerCase()}"` : `<${t.kind.toUpperCase()}>`;
    throw parseFault(
      `Encountered " ${kind} "${t.text} "" at line 1, column ${t.column}.\nWas expecting one of:\n` +
        expected.map((e) => `    ${e} ...`).join('\n'),
    );
  }

  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail([`"${word}"`]);
    this.pos++;
  }

  private expectPunct(text: string): void {
    const t = this.peek();
    if ((t.kind !== 'punct' && t.kind !== 'star') || t.text !== text) this.fail([`"${text}"`]);
    this.pos++;
  }

  private identifier(): string {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase())) this.fail(['<IDENTIFIER>']);
    this.pos++;
    return t.text;
  }

  private integer(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(['<INTEGER>']);
    this.pos++;
    return Number(t.text);
  }

  parse(): ParsedQuery {
    this.expectKeyword('select');
    const { count, select } = this.selectList();
    this.expectKeyword('from');
    const entity = this.identifier();
    const where = this.isKeyword('where') ? (this.pos++, this.conditions()) : [];
    const orderBy = this.orderBy();
    const paging: { startPosition?: number; maxResults?: number } = {};
    for (let k = 0; k < 2; k++) {
      if (this.isKeyword('startposition') && paging.startPosition === undefined) {
        this.pos++;
        paging.startPosition = this.integer();
      } else if (this.isKeyword('maxresults') && paging.maxResults === undefined) {
        this.pos++;
        paging.maxResults = this.integer();
      }
    }
    if (this.peek().kind !== 'eof') this.fail(['<EOF>', '"and"', '"orderby"', '"startposition"', '"maxresults"']);
    return { count, select, entity, where, orderBy, ...paging };
  }

  private selectList(): { count: boolean; select: string[] } {
    if (this.isKeyword('count')) {
      this.pos++;
      this.expectPunct('(');
      this.expectPunct('*');
      this.expectPunct(')');
      return { count: true, select: [] };
    }
    const select: string[] = [];
    for (;;) {
      if (this.peek().kind === 'star') this.pos++;
      else if (this.peek().kind === 'ident' && !KEYWORDS.has(this.peek().text.toLowerCase())) select.push(this.next().text);
      else this.fail(['"*"', '"count"', '<IDENTIFIER>']);
      if (this.peek().kind !== 'punct' || this.peek().text !== ',') return { count: false, select };
      this.pos++;
    }
  }

  private conditions(): Condition[] {
    const out = [this.condition()];
    while (this.isKeyword('and')) {
      this.pos++;
      out.push(this.condition());
    }
    return out;
  }

  private condition(): Condition {
    const field = this.identifier();
    const t = this.peek();
    if (this.isKeyword('in')) {
      this.pos++;
      this.expectPunct('(');
      const values = [this.literal()];
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.pos++;
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { field, op: 'IN', values };
    }
    if (this.isKeyword('like')) {
      this.pos++;
      const value = this.literal();
      if (value.type !== 'string') this.fail(['<STRING>']);
      return { field, op: 'LIKE', values: [value] };
    }
    if (t.kind === 'op' && ['=', '<', '>', '<=', '>='].includes(t.text)) {
      this.pos++;
      return { field, op: t.text as Operator, values: [this.literal()] };
    }
    return this.fail(['"="', '"<"', '">"', '"<="', '">="', '"in"', '"like"']);
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string') return { type: 'string', text: t.text };
    if (t.kind === 'number') return { type: 'number', text: t.text };
    if (t.kind === 'ident' && ['true', 'false'].includes(t.text.toLowerCase())) {
      return { type: 'bool', text: t.text.toLowerCase() };
    }
    this.pos--;
    return this.fail(['<STRING>', '<NUMBER>', '"true"', '"false"']);
  }

  private orderBy(): OrderTerm[] {
    if (this.isKeyword('orderby')) this.pos++;
    else if (this.isKeyword('order') && this.isKeyword('by', this.tokens[this.pos + 1])) this.pos += 2;
    else return [];
    const terms: OrderTerm[] = [];
    do {
      if (terms.length > 0) this.pos++;
      const field = this.identifier();
      let desc = false;
      if (this.isKeyword('asc') || this.isKeyword('desc')) desc = this.next().text.toLowerCase() === 'desc';
      terms.push({ field, desc });
    } while (this.peek().kind === 'punct' && this.peek().text === ',');
    return terms;
  }
}

export function parseQuery(sql: string): ParsedQuery {
  return new Parser(tokenize(sql)).parse();
}
