import { describe, expect, it } from 'vitest';
import { toPositional } from '../../reference-impl/adapters/postgres/placeholders.ts';

describe('PostgreSQL placeholders: ? → $n', () => {
  it('numbers placeholders left to right', () => {
    expect(toPositional('INSERT INTO t (a, b, c) VALUES (?, ?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c < ?')).toBe(
      'INSERT INTO t (a, b, c) VALUES ($1, $2, $3) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c < $4',
    );
    expect(toPositional('SELECT 1')).toBe('SELECT 1');
  });

  it('leaves question marks in literals, identifiers, dollar quotes and comments alone', () => {
    expect(toPositional("SELECT 'a?b', 'it''s ?', ? FROM t")).toBe("SELECT 'a?b', 'it''s ?', $1 FROM t");
    expect(toPositional(`SELECT "odd?name" FROM t WHERE x = ?`)).toBe(`SELECT "odd?name" FROM t WHERE x = $1`);
    expect(toPositional("SELECT E'\\'?', ?")).toBe("SELECT E'\\'?', $1");
    expect(toPositional('SELECT $$ ? $$, $tag$ ? $$ ? $tag$, ?')).toBe('SELECT $$ ? $$, $tag$ ? $$ ? $tag$, $1');
    expect(toPositional('SELECT ? -- why?\n, ? /* what? /* nested? */ still? */ , ?')).toBe('SELECT $1 -- why?\n, $2 /* what? /* nested? */ still? */ , $3');
  });

  it('does not take a backslash as an escape in a standard string, nor $1 in a name for a dollar quote', () => {
    expect(toPositional("SELECT 'C:\\', ?")).toBe("SELECT 'C:\\', $1");
    expect(toPositional('SELECT a$b, ?')).toBe('SELECT a$b, $1');
  });
});
