import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SGR_PARAMS,
  PLAIN,
  applySgr,
  colorCss,
  paletteHex,
  parseAnsi,
  type Style,
} from '../../../web/src/ansi.js';

const style = (s: Partial<Style>): Style => ({ ...PLAIN, ...s });
const fg = (n: number) => ({ kind: 'index' as const, n });

describe('parseAnsi', () => {
  const cases: { name: string; input: string; want: { text: string; style: Style }[] }[] = [
    { name: 'plain text', input: 'hello', want: [{ text: 'hello', style: PLAIN }] },
    { name: 'empty', input: '', want: [] },
    {
      name: 'colour then reset',
      input: '\x1b[31mred\x1b[0m plain',
      want: [
        { text: 'red', style: style({ fg: fg(1) }) },
        { text: ' plain', style: PLAIN },
      ],
    },
    {
      name: 'bold and bright colour combined',
      input: '\x1b[1;92mOK',
      want: [{ text: 'OK', style: style({ bold: true, fg: fg(10) }) }],
    },
    {
      name: 'empty parameter list means reset',
      input: '\x1b[4mu\x1b[mx',
      want: [
        { text: 'u', style: style({ underline: true }) },
        { text: 'x', style: PLAIN },
      ],
    },
    {
      name: '256 colours and truecolor, foreground and background',
      input: '\x1b[38;5;208ma\x1b[48;2;1;2;3mb',
      want: [
        { text: 'a', style: style({ fg: fg(208) }) },
        { text: 'b', style: style({ fg: fg(208), bg: { kind: 'rgb', r: 1, g: 2, b: 3 } }) },
      ],
    },
    {
      name: 'colon sub-parameters with a colour space id',
      input: '\x1b[38:2::10:20:30mx',
      want: [{ text: 'x', style: style({ fg: { kind: 'rgb', r: 10, g: 20, b: 30 } }) }],
    },
    {
      name: 'default colour codes turn colours off',
      input: '\x1b[31;44ma\x1b[39mb\x1b[49mc',
      want: [
        { text: 'a', style: style({ fg: fg(1), bg: fg(4) }) },
        { text: 'b', style: style({ bg: fg(4) }) },
        { text: 'c', style: PLAIN },
      ],
    },
    {
      name: 'non-SGR CSI (cursor moves, erase line) is removed',
      input: 'a\x1b[2Kb\x1b[10;5Hc\x1b[?25ld',
      want: [{ text: 'abcd', style: PLAIN }],
    },
    {
      name: 'OSC 8 hyperlink keeps only its text',
      input: '\x1b]8;;http://evil/\x07link\x1b]8;;\x1b\\ after',
      want: [{ text: 'link after', style: PLAIN }],
    },
    {
      name: 'control characters other than tab and newline are dropped',
      input: 'a\x00b\x08c\td\ne\r',
      want: [{ text: 'abc\td\ne', style: PLAIN }],
    },
    {
      name: 'escape cut off at the end of the text',
      input: 'ok\x1b[38;5',
      want: [{ text: 'ok', style: PLAIN }],
    },
    {
      name: 'lone escape at the end',
      input: 'ok\x1b',
      want: [{ text: 'ok', style: PLAIN }],
    },
    {
      name: 'malformed 256-colour value is ignored',
      input: '\x1b[38;5;300mx',
      want: [{ text: 'x', style: PLAIN }],
    },
    {
      name: 'adjacent runs with the same style merge',
      input: '\x1b[32ma\x1b[32mb',
      want: [{ text: 'ab', style: style({ fg: fg(2) }) }],
    },
    {
      name: 'HTML stays text',
      input: '\x1b[31m<img src=x onerror=alert(1)>',
      want: [{ text: '<img src=x onerror=alert(1)>', style: style({ fg: fg(1) }) }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseAnsi(c.input)).toEqual(c.want);
    });
  }

  it('22 clears both bold and dim, 23/24/27/29 clear their own attribute', () => {
    const on = applySgr(PLAIN, [1, 2, 3, 4, 7, 9]);
    expect(on).toEqual(
      style({ bold: true, dim: true, italic: true, underline: true, inverse: true, strike: true }),
    );
    expect(applySgr(on, [22, 23, 24, 27, 29])).toEqual(PLAIN);
  });

  it(`ignores parameters past the ${MAX_SGR_PARAMS}th`, () => {
    const params = [...Array(MAX_SGR_PARAMS).fill(0), 31];
    expect(applySgr(PLAIN, params)).toEqual(PLAIN);
    const params2 = [...Array(MAX_SGR_PARAMS - 1).fill(0), 31];
    expect(applySgr(PLAIN, params2).fg).toEqual(fg(1));
  });

  it('never lets an ESC or a control byte through, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            '\x1b',
            '[',
            ']',
            '3',
            '1',
            ';',
            'm',
            'H',
            '\x07',
            '\\',
            'a',
            '\x00',
            '\n',
          ),
          maxLength: 60,
        }),
        (s) => {
          for (const seg of parseAnsi(s)) {
            expect(seg.text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
            expect(seg.text).not.toBe('');
          }
        },
      ),
    );
  });

  it('keeps all text of an input without escapes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
        expect(
          parseAnsi(s)
            .map((x) => x.text)
            .join(''),
        ).toBe(clean);
      }),
    );
  });
});

describe('colours', () => {
  it('maps the 256-colour cube and grey ramp as xterm does', () => {
    expect(paletteHex(16)).toBe('#000000');
    expect(paletteHex(196)).toBe('#ff0000');
    expect(paletteHex(21)).toBe('#0000ff');
    expect(paletteHex(232)).toBe('#080808');
    expect(paletteHex(255)).toBe('#eeeeee');
  });

  it('uses theme classes for 0-15 and literal colours beyond', () => {
    expect(colorCss(fg(9))).toEqual({ cls: '9' });
    expect(colorCss(fg(208))).toEqual({ css: '#ff8700' });
    expect(colorCss({ kind: 'rgb', r: 1, g: 2, b: 3 })).toEqual({ css: 'rgb(1, 2, 3)' });
  });
});
