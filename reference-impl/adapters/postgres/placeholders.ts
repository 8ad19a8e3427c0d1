/**
 * Translates the Store port's `?` placeholders into PostgreSQL's `$1, $2, …`.
 *
 * A `?` counts only outside string literals (`'…'`, `E'…'` with backslash escapes), quoted
 * identifiers (`"…"`), dollar-quoted bodies (`$tag$…$tag$`) and comments (`-- …`, nested
 * `/* … *\/`), so SQL that contains a literal question mark keeps it.
 */
export function toPositional(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i]!;
    if (c === '?') {
      out += `$${++n}`;
      i++;
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      const end = endOfQuoted(sql, i, "'", escapes);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = endOfQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? len : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = endOfBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? len : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the closing quote of the literal opening at `start` (a doubled quote escapes). */
function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
