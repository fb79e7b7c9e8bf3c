import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, exportFileName, toCsv, toNdjson } from '../../../web/src/export.js';
import { rec } from './records.js';

/** A small RFC 4180 reader, to check that what toCsv writes reads back as written. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('csvCell', () => {
  it('quotes cells with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('a=b')).toBe('a=b');
  });
});

describe('toCsv', () => {
  it('writes a header and one CRLF-ended row per record', () => {
    const r = { ...rec(7, 'hello, "world"'), severity: 3 };
    const rows = readCsv(toCsv([r]));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(row).toMatchObject({
      id: '7',
      severity: 'error',
      message: 'hello, "world"',
      container_name: 'web',
      host: '',
    });
  });

  it('every message reads back as written (after the formula guard)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }), (msgs) => {
        const rows = readCsv(toCsv(msgs.map((m, i) => rec(i, m))));
        expect(rows).toHaveLength(msgs.length + 1);
        const col = CSV_COLUMNS.indexOf('message');
        msgs.forEach((m, i) => {
          const want = m !== '' && /^[=+\-@\t\r]/.test(m) ? `'${m}` : m;
          expect(rows[i + 1]![col]).toBe(want);
        });
      }),
    );
  });
});

describe('toNdjson', () => {
  it('one JSON object per line, every field kept, line breaks in messages escaped', () => {
    const a = { ...rec(1, 'two\nlines'), attrs: { k: [1, 'x'] } };
    const out = toNdjson([a, rec(2)]);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(a);
  });
});

it('file names carry the UTC time', () => {
  expect(exportFileName('csv', Date.UTC(2024, 0, 2, 3, 4, 5))).toBe(
    'logharbor-20240102-030405.csv',
  );
});
