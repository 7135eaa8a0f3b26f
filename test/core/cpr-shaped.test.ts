import { describe, expect, it } from 'vitest';
import { maskCprShaped } from '../../src/core/cpr-shaped';
import { mayHoldCpr, messageWithoutContent, nameAsShown, shapeOf } from '../../src/core/value-shape';

describe('what is shaped like a CPR number', () => {
  const shaped = [
    '0101211234',
    '010121-1234',
    '01.01.21-1234',
    '010121 1234',
    '０１０１２１１２３４', // full-width digits
    '０１０１２１－１２３４', // full-width digits and dash
    '010121‐1234', // U+2010 hyphen
    '٠١٠١٢١١٢٣٤', // Arabic-Indic digits
    '01-01-21--1234',
    '01..01..21..1234',
    '01__01__21__1234',
    '0,1,0,1,2,1,1,2,3,4',
    '01:01:21:12:34',
    '010121--1234',
    '0101 21 -1234',
    '0\u200b1\u200b0\u200b1\u200b2\u200b1\u200b1\u200b2\u200b3\u200b4', // zero-width spaces
    'O1O1211234', // the letter O for 0
    '01012ll234', // the letter l for 1
    'O1O121-I234',
    '010121\ufe0e1234', // a variation selector
    '010121ー1234', // a kana length mark as the dash
    '01012112345', // inside a longer number
  ];

  it('is masked in any script of digits and with any dash', () => {
    for (const cpr of shaped) {
      const masked = maskCprShaped(`wrong child ${cpr}, see case`);
      expect(masked, cpr).toBe('wrong child [cpr], see case');
    }
  });

  it('is held possible in a name, and a name holding one is shown by its shape only', () => {
    for (const cpr of shaped) {
      expect(mayHoldCpr(`subject ${cpr}`), cpr).toBe(true);
      expect(nameAsShown(cpr)).not.toContain(cpr);
    }
    expect(mayHoldCpr('x１２３４５')).toBe(true);
    expect(mayHoldCpr('vendor-101 daycare')).toBe(false);
    expect(shapeOf('０１０１２１－１２３４')).toBe('11 characters: digits and dashes');
  });

  it('leaves plain text as it is, and describes a parser message without its digits', () => {
    expect(maskCprShaped('period 2026-10, 98 municipalities')).toBe('period 2026-10, 98 municipalities');
    // A log line's own timestamp is a run of 13 digits that holds no date: it stays.
    expect(maskCprShaped('{"time":1796105569633,"msg":"ready"}')).toBe(
      '{"time":1796105569633,"msg":"ready"}',
    );
    expect(maskCprShaped('Room O1 on floor 2, Olsen')).toBe('Room 01 on floor 2, Olsen');
    expect(messageWithoutContent('bad value at ０１０１２１１２３４')).toBe('bad value at (10 digits)');
  });
});
