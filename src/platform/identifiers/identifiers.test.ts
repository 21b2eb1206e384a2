import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkResidentId, checkUscc, maskIdNumber, residentIdFacts, usccCheckChar } from './index.ts';

test('resident ID numbers from the reference pass the GB 11643 check', () => {
  for (const v of ['360426199101010071', '34052419800101001X', '53010219200508011X', '11010519491231002X', '440524188001010014']) {
    assert.deepEqual(checkResidentId(v), { valid: true }, v);
  }
});

test('resident ID errors say what is wrong', () => {
  const wrong = checkResidentId('360426199101010072');
  assert.equal(wrong.valid, false);
  assert.equal(!wrong.valid && wrong.code, 'id_check_char');
  assert.match(!wrong.valid ? wrong.reason : '', /应为 1/);
  const date = checkResidentId('360426199102300071');
  assert.equal(!date.valid && date.code, 'id_birth_date');
  const short = checkResidentId('36042619910101007');
  assert.equal(!short.valid && short.code, 'id_format');
  const future = checkResidentId('410102209901010011', new Date('2026-11-28'));
  assert.equal(!future.valid && future.code, 'id_birth_date');
});

test('resident ID facts: region, birth date, sex by the sequence parity', () => {
  assert.deepEqual(residentIdFacts('34052419800101001X'), { regionCode: '340524', birthDate: '1980-01-01', sex: 'male' });
  assert.equal(residentIdFacts('11010519491231002X').sex, 'female');
});

test('USCC examples from the reference pass GB 32100, including Q', () => {
  for (const v of ['91110000600037341L', '91350200776049653A', '913502000728319549', '91350213678251743X', '91110108551385082Q', '91440101MA5CJQ4N59']) {
    assert.deepEqual(checkUscc(v), { valid: true }, v);
  }
});

test('USCC errors: the known-invalid codes of public code are refused with the right reason', () => {
  const a = checkUscc('91350203M0001QAY9B');
  assert.equal(!a.valid && a.code, 'uscc_check_char');
  const b = checkUscc('91440300MA5DA8QK3X');
  assert.equal(!b.valid && b.code, 'uscc_check_char');
  assert.match(!b.valid ? b.reason : '', /应为 E/);
  assert.equal(usccCheckChar('91440300MA5DA8QK3'), 'E');
  const c = checkUscc('91110000600037341I');
  assert.equal(!c.valid && c.code, 'uscc_charset');
  const d = checkUscc('9111000060003734');
  assert.equal(!d.valid && d.code, 'uscc_length');
});

test('masking keeps the first and last four characters', () => {
  assert.equal(maskIdNumber('410102199001011234'), '4101**********1234');
});
