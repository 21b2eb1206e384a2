/**
 * The protocol layer without I/O: Annex A CRC vectors, the standard's examples, every line of the real
 * corpus (test/fixtures/hj212, a copy of ../shared/data/hj212) accepted or refused with its reason, framing of packets split across and
 * merged within reads, a random-input fuzz test (never throws, never stalls), encoders, merging split uploads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { crc16, crc16Bytes, crcHex } from './crc.ts';
import { FrameDecoder, type FrameEvent } from './frame.ts';
import { isHj212DateTime, parseFrame, parsePacket } from './parse.ts';
import { encodeDataReply, encodeExecutionReply, encodeRequestReply, encodeUpload, framePacket, hj212Time, parseHj212Time, replyTargetOf } from './encode.ts';
import { mergeParts } from '../ingest/store.ts';
import type { Hj212Packet } from './types.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../../../test/fixtures/hj212/real-traffic-2016-08-24-00.h212');

const STD_EXAMPLE = '##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n';
const LOWERCASE_2005 = '##0178ST=32;CN=2011;PW=123456;MN=0873HHMZWSLH02;CP=&&DataTime=20160103133030;060-Rtd=3.0943,060-Flag=N;011-Rtd=18.0412,011-Flag=N;001-Rtd=8.2137,001-Flag=N;B01-Rtd=10.9890,B01-Flag=N&&a9c1\r\n';
const REPLY_9014 = '##0087QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&3240\r\n';

/** CRC-16/MODBUS, to show that it differs from Annex A. */
function modbus(data: string): number {
  let reg = 0xffff;
  for (const b of Buffer.from(data)) {
    reg ^= b;
    for (let i = 0; i < 8; i += 1) reg = reg & 1 ? (reg >>> 1) ^ 0xa001 : reg >>> 1;
  }
  return reg;
}

/** The Annex A algorithm written literally (bit by bit), to check the table-driven one. */
function annexA(bytes: Uint8Array): number {
  let reg = 0xffff;
  for (const b of bytes) {
    reg = (reg >>> 8) ^ b;
    for (let i = 0; i < 8; i += 1) {
      const lsb = reg & 1;
      reg >>>= 1;
      if (lsb) reg ^= 0xa001;
    }
  }
  return reg;
}

function decodeAll(chunks: Buffer[], opts?: { maxDataLength?: number }): FrameEvent[] {
  const d = new FrameDecoder(opts);
  const out: FrameEvent[] = [];
  for (const c of chunks) d.push(c, (e) => out.push(e));
  d.end((e) => out.push(e));
  return out;
}

const frames = (evs: FrameEvent[]) => evs.filter((e) => e.kind === 'frame').map((e) => e.bytes.toString('utf8'));

test('Annex A CRC: the standard\'s vectors, not Modbus, UTF-8 bytes', () => {
  const data = STD_EXAMPLE.slice(6, -6);
  assert.equal(crcHex(crc16(data)), '1C80');
  assert.equal(crcHex(modbus(data)), '0759', 'the Modbus CRC gives 0759 on the same data');
  assert.equal(crcHex(crc16(REPLY_9014.slice(6, -6))), '3240');
  assert.equal(crc16(LOWERCASE_2005.slice(6, -6)).toString(16), 'a9c1');
  // Table-driven = literal algorithm, on random bytes and on Chinese text (UTF-8 bytes, not UTF-16 units).
  for (let n = 0; n < 200; n += 1) {
    const bytes = Buffer.from(Array.from({ length: n * 3 }, (_, i) => (i * 7919 + n * 31) & 0xff));
    assert.equal(crc16Bytes(bytes), annexA(bytes));
  }
  const zh = 'QN=20210320163101890;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&i11001-Info=设备故障&&';
  assert.equal(crc16(zh), annexA(Buffer.from(zh, 'utf8')));
  assert.notEqual(crc16(zh), annexA(Uint8Array.from([...zh].map((c) => c.charCodeAt(0) & 0xff))));
});

test('the standard\'s examples parse; 2005 style is tolerated; replies encode as in Annex C', () => {
  const std = parsePacket(STD_EXAMPLE);
  assert.ok(std.ok);
  assert.equal(std.packet.version, '2017');
  assert.equal(std.packet.qn, '20160801085857223');
  assert.equal(std.packet.needsAck, true);
  assert.deepEqual(std.packet.cp.fields, { RtdInterval: '30' });
  assert.equal(encodeDataReply({ ...replyTargetOf(std.packet), pw: '123456' }), REPLY_9014);

  const old = parsePacket(LOWERCASE_2005);
  assert.ok(old.ok, 'lower-case CRC, no QN, no Flag');
  assert.equal(old.packet.version, '2005');
  assert.equal(old.packet.qn, null);
  assert.equal(old.packet.needsAck, false);
  assert.equal(old.packet.cp.dataTime, '20160103133030');
  assert.deepEqual(old.packet.cp.pollutants.map((p) => [p.code, p.code2017, p.rtd, p.flag]), [
    ['060', 'w21003', 3.0943, 'N'], ['011', 'w01018', 18.0412, 'N'], ['001', 'w01001', 8.2137, 'N'], ['B01', 'w00000', 10.989, 'N'],
  ]);
  // 2005-style answers carry the request's QN inside CP.
  const req2005 = parsePacket(framePacket('ST=91;CN=1013;PW=123456;MN=LD130102000147;Flag=1;CP=&&QN=20160824001252000&&'));
  assert.ok(req2005.ok);
  assert.match(encodeRequestReply(replyTargetOf(req2005.packet), 1), /^##\d{4}ST=91;CN=9011;PW=123456;MN=LD130102000147;Flag=0;CP=&&QN=20160824001252000;QnRtn=1&&[0-9A-F]{4}\r\n$/);
  assert.match(encodeExecutionReply(replyTargetOf(std.packet), 1), /^##\d{4}QN=20160801085857223;ST=91;CN=9012;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=1&&[0-9A-F]{4}\r\n$/);
  // Every encoded packet parses back.
  for (const p of [REPLY_9014, encodeRequestReply(replyTargetOf(std.packet), 4)]) assert.ok(parsePacket(p).ok, p);
});

test('an upload encodes and parses back: values, flags, split fields, times in Beijing time', () => {
  const at = new Date('2026-03-01T00:30:00Z');
  assert.equal(hj212Time(at), '20260301083000');
  assert.equal(parseHj212Time('20260301083000123').toISOString(), '2026-03-01T00:30:00.123Z');
  const raw = encodeUpload({ style: '2017', qn: '20260301083000001', st: '31', cn: '2011', pw: 'abc123', mn: '010000A8900016F000169DC0', pnum: 2, pno: 1, dataTime: hj212Time(at),
    pollutants: [{ code: 'a21026', rtd: 12.345, zsRtd: 14.1, flag: 'N' }, { code: 'a19001', rtd: 7, flag: 'M' }], fields: { RtdInterval: 30 } });
  const r = parsePacket(raw);
  assert.ok(r.ok);
  assert.equal(r.packet.flag, 7);
  assert.deepEqual([r.packet.pnum, r.packet.pno, r.packet.needsAck], [2, 1, true]);
  assert.deepEqual(r.packet.cp.pollutants, [
    { code: 'a21026', code2017: 'a21026', rtd: 12.345, zsRtd: 14.1, flag: 'N' },
    { code: 'a19001', code2017: 'a19001', rtd: 7, flag: 'M' },
  ]);
  assert.equal(r.packet.cp.fields.RtdInterval, '30');
});

test('strict where data would be corrupted, with the reason', () => {
  const base = { style: '2017' as const, qn: '20260301083000001', st: '32', cn: '2011', pw: '123456', mn: 'AB12', dataTime: '20260301083000' };
  const reason = (raw: string) => {
    const r = parsePacket(raw);
    return r.ok ? 'ok' : r.rejection.code;
  };
  const withData = (data: string) => framePacket(data);
  assert.equal(reason(encodeUpload({ ...base, pollutants: [{ code: 'w01018', rtd: 5 }] })), 'ok');
  assert.equal(reason(withData('QN=20260301083000001;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&DataTime=20260301083000;w01018-Rtd=abc&&')), 'value_invalid');
  assert.equal(reason(withData('QN=20260301083000001;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&DataTime=20260301083000;w01018-Rtd=1e5&&')), 'value_invalid');
  assert.equal(reason(withData('QN=20260301083000001;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&DataTime=20260301083000;w01018-Rtd=1;w01018-Rtd=2&&')), 'value_invalid');
  assert.equal(reason(withData('QN=20260301083000001;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&DataTime=20260231083000;w01018-Rtd=1&&')), 'datatime_invalid');
  assert.equal(reason(withData('QN=2026030108300000;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&w01018-Rtd=1&&')), 'qn_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&w01018-Rtd=1&&')), 'qn_invalid');
  assert.equal(reason(withData('ST=3;CN=2011;PW=123456;MN=AB12;CP=&&w01018-Rtd=1&&')), 'st_invalid');
  assert.equal(reason(withData('ST=32;CN=20X1;PW=123456;MN=AB12;CP=&&w01018-Rtd=1&&')), 'cn_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB-12;CP=&&w01018-Rtd=1&&')), 'mn_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=;MN=AB12;CP=&&w01018-Rtd=1&&')), 'pw_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;Flag=64;CP=&&w01018-Rtd=1&&')), 'flag_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;Flag=3;CP=&&w01018-Rtd=1&&')), 'pnum_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;PNUM=2;PNO=3;CP=&&w01018-Rtd=1&&')), 'pnum_invalid');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;CP=&&w01018-Rtd=1&&')), 'field_missing');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;XX=1;CP=&&w01018-Rtd=1&&')), 'field_syntax');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;CP=&&w01018-Rtd=1')), 'field_syntax');
  assert.equal(reason(withData('ST=32;CN=2011;PW=123456;MN=AB12;CP=&&w01018Rtd&&')), 'field_syntax');
  assert.equal(reason('##0010abcdefghijXXXX\r\n'), 'crc_syntax');
  assert.equal(reason(STD_EXAMPLE.replace('1C80', '1C81')), 'crc_mismatch');
  assert.equal(reason(STD_EXAMPLE.replace('1C80', '0759')), 'crc_mismatch', 'a Modbus CRC is refused');
  // Tolerated: vendor suffixes and items, empty items, repeated identical items, a repeated -Flag.
  const tolerant = parsePacket(withData('ST=31;CN=2011;PW=123456;MN=LD13;CP=&&DataTime=20160824003817000;;01-Rtd=1.5,01-Flag=N;01-ZsRtd=2.0,01-Flag=D;02-Zn=3;SB1-RS=1;01-Rtd=1.5&&'));
  assert.ok(tolerant.ok);
  assert.deepEqual(tolerant.packet.cp.pollutants, [{ code: '01', code2017: 'a34013', rtd: 1.5, zsRtd: 2, flag: 'N' }]);
  assert.deepEqual(tolerant.packet.cp.fields, { '02-Zn': '3', 'SB1-RS': '1' });
  assert.ok(isHj212DateTime('20240229235959') && !isHj212DateTime('20230229000000') && !isHj212DateTime('2024022923595'));
});

test('every line of the real corpus is accepted or refused with the right reason', () => {
  const bytes = fs.readFileSync(CORPUS);
  const lines = bytes.toString('latin1').split('\r\n');
  assert.equal(lines.pop(), '', 'the file ends with CR LF');
  assert.equal(lines.length, 9455);
  const outcome: string[] = [];
  const byReason: Record<string, number> = {};
  const byCn: Record<string, number> = {};
  // Line by line (each line is one TCP read) …
  for (const line of lines) {
    const evs = decodeAll([Buffer.from(`${line}\r\n`, 'latin1')]);
    assert.equal(evs.length, 1, `one event per line: ${line.slice(0, 60)}`);
    const ev = evs[0];
    let key: string;
    if (ev.kind === 'damaged') key = ev.rejection.code;
    else {
      const r = parseFrame(ev.bytes);
      key = r.ok ? 'ok' : r.rejection.code;
      if (r.ok) byCn[r.packet.cn] = (byCn[r.packet.cn] ?? 0) + 1;
    }
    outcome.push(key);
    byReason[key] = (byReason[key] ?? 0) + 1;
  }
  // 9,447 lines are well framed with a correct CRC; of those 9,422 are accepted and 25 refused on their
  // content: 6 with ST=\0\0 (NUL bytes, CRC over them correct) and 19 from one logger (LD130185000294)
  // that sends three different B01 flow values in one packet. Damaged: 1 CRC mismatch, 5 length fields that
  // do not match, 1 length field that is not 4 digits (`##9ST=`), 1 line that is not a packet (`2BC0`).
  assert.deepEqual(byReason, { ok: 9422, st_invalid: 6, value_invalid: 19, crc_mismatch: 1, frame_length: 6, not_a_packet: 1 });
  assert.deepEqual(byCn, { 1013: 1, 2011: 4511, 2021: 889, 2031: 218, 2051: 1769, 2061: 415, 2072: 12, 8013: 450, 9011: 195, 9012: 193, 9015: 769 });
  assert.equal(outcome[3668], 'crc_mismatch');
  assert.equal(lines[3669], '2BC0');
  assert.equal(outcome[3669], 'not_a_packet');
  for (const i of [2107, 3335, 3495, 6302, 7150, 9196]) assert.equal(outcome[i], 'frame_length', `line ${i + 1}`);
  // … and the whole file as one stream, in chunks of awkward sizes: the same events, in order.
  for (const size of [bytes.length, 1, 7, 1460, 65536]) {
    const chunks: Buffer[] = [];
    if (size === 1) for (let i = 0; i < 20_000; i += 1) chunks.push(bytes.subarray(i, i + 1));
    else for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    if (size === 1) chunks.push(bytes.subarray(20_000));
    const evs = decodeAll(chunks);
    const keys = evs.map((e) => (e.kind === 'damaged' ? e.rejection.code : (() => {
      const r = parseFrame(e.bytes);
      return r.ok ? 'ok' : r.rejection.code;
    })()));
    assert.deepEqual(keys, outcome, `chunk size ${size}`);
  }
});

test('framing: split across reads at every byte, merged within one read, garbage between, limits', () => {
  const a = encodeUpload({ style: '2017', qn: '20260301083000001', st: '32', cn: '2011', pw: '123456', mn: 'AB12', dataTime: '20260301083000', pollutants: [{ code: 'w01018', rtd: 21.5, flag: 'N' }] });
  const b = STD_EXAMPLE;
  const c = LOWERCASE_2005;
  const stream = Buffer.from(a + b + c);
  const want = [a, b, c].map((s) => s.slice(0, -2));
  for (let i = 1; i < stream.length; i += 1) {
    assert.deepEqual(frames(decodeAll([stream.subarray(0, i), stream.subarray(i)])), want, `split at ${i}`);
  }
  // One byte per read.
  assert.deepEqual(frames(decodeAll([...stream].map((x) => Buffer.from([x])))), want);
  // Garbage before, between and after; a truncated packet followed by a whole one; an oversized one.
  const truncated = b.slice(0, 40);
  const evs = decodeAll([Buffer.from(`xx\r\n${a}#junk${truncated}${b}\r\n\r\n${c}tail`)]);
  assert.deepEqual(evs.map((e) => (e.kind === 'frame' ? 'frame' : e.rejection.code)), ['not_a_packet', 'frame', 'not_a_packet', 'frame_tail', 'frame', 'frame', 'not_a_packet']);
  const big = framePacket(`QN=20260301083000001;ST=32;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&${'w01018-Rtd=1.0;'.repeat(400)}w01018-Rtd=1.0&&`);
  const evBig = decodeAll([Buffer.from(big + a)], { maxDataLength: 1024 });
  assert.deepEqual(evBig.map((e) => (e.kind === 'frame' ? 'frame' : e.rejection.code)), ['frame_too_long', 'frame']);
  // The same oversized packet arriving in small reads: reported once, skipped, the next packet still decoded, the buffer bounded.
  const d = new FrameDecoder({ maxDataLength: 1024 });
  const got: string[] = [];
  const s = Buffer.from(big + a);
  for (let i = 0; i < s.length; i += 100) {
    d.push(s.subarray(i, i + 100), (e) => got.push(e.kind === 'frame' ? 'frame' : e.rejection.code));
    assert.ok(d.buffered <= 1024 + 12 + 100);
  }
  assert.deepEqual(got, ['frame_too_long', 'frame']);
  // A length field counting characters instead of UTF-8 bytes is accepted (both are seen in the field).
  const zhData = 'QN=20260301083000001;ST=32;CN=3020;PW=123456;MN=AB12;Flag=4;CP=&&i11001-Info=正常&&';
  const byChars = `##${String([...zhData].length).padStart(4, '0')}${zhData}${crcHex(crc16(zhData))}\r\n`;
  const zh = decodeAll([Buffer.from(byChars)]);
  assert.equal(zh[0].kind, 'frame');
  const zp = parseFrame((zh[0] as { bytes: Buffer }).bytes);
  assert.ok(zp.ok);
  assert.equal(zp.packet.cp.fields['i11001-Info'], '正常');
});

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz: random and mutated input never throws past the framing layer and never stalls', () => {
  const r = rng(212);
  const lines = fs.readFileSync(CORPUS, 'latin1').split('\r\n').filter(Boolean).slice(0, 400);
  const good = encodeUpload({ style: '2017', qn: '20260301083000001', st: '32', cn: '2011', pw: '123456', mn: 'AB12', dataTime: '20260301083000', pollutants: [{ code: 'w01018', rtd: 21.5, flag: 'N' }] });
  const alphabet = Buffer.from('##0123456789;=,&-.CPQNSTMWFlagRtd\r\n\x00\xff');
  const decoder = new FrameDecoder({ maxDataLength: 1024 });
  let sentinels = 0;
  let seen = 0;
  for (let round = 0; round < 3000; round += 1) {
    // Noise: random bytes, bytes from a protocol-ish alphabet, or a corpus packet with mutations.
    let noise: Buffer;
    const kind = r();
    if (kind < 0.3) {
      noise = Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
    } else if (kind < 0.6) {
      noise = Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => alphabet[Math.floor(r() * alphabet.length)]));
    } else {
      const src = Buffer.from(lines[Math.floor(r() * lines.length)], 'latin1');
      for (let m = 0; m < 1 + Math.floor(r() * 4); m += 1) {
        const at = Math.floor(r() * src.length);
        const op = r();
        if (op < 0.5) src[at] = Math.floor(r() * 256);
        else if (op < 0.75) src[at] = alphabet[Math.floor(r() * alphabet.length)];
        else src[at] = 0x3b;
      }
      noise = r() < 0.5 ? src : src.subarray(0, Math.floor(r() * src.length));
    }
    // Then a sentinel: a valid packet after CR LF must come out as a frame, within this push (no stall).
    const payload = Buffer.concat([noise, Buffer.from(`\r\n${good}`)]);
    let sentinelSeen = false;
    const cut = Math.floor(r() * payload.length);
    for (const part of [payload.subarray(0, cut), payload.subarray(cut)]) {
      decoder.push(part, (e) => {
        seen += 1;
        if (e.kind === 'frame') {
          const p = parseFrame(e.bytes); // must not throw
          if (p.ok && p.packet.mn === 'AB12' && p.packet.qn === '20260301083000001' && e.bytes.length === good.length - 2) sentinelSeen = true;
        } else {
          assert.ok(e.rejection.code.length > 0 && e.bytes.length <= 2048);
        }
      });
    }
    assert.ok(sentinelSeen, `round ${round}: the valid packet after the noise was not delivered`);
    assert.ok(decoder.buffered < 1024 + 12);
    sentinels += 1;
  }
  assert.equal(sentinels, 3000);
  assert.ok(seen > 3000);
  // parseFrame on arbitrary bytes never throws either.
  for (let i = 0; i < 5000; i += 1) {
    const b = Buffer.from(Array.from({ length: 10 + Math.floor(r() * 200) }, () => alphabet[Math.floor(r() * alphabet.length)]));
    const res = parseFrame(b);
    assert.equal(typeof res.ok, 'boolean');
  }
});

test('split uploads merge in PNO order', () => {
  const part = (pno: number, code: string, v: number): Hj212Packet => {
    const r = parsePacket(encodeUpload({ style: '2017', qn: `2026030108300000${pno}`, st: '31', cn: '2061', pw: '1', mn: 'AB12', pnum: 2, pno, dataTime: '20260301080000', pollutants: [{ code, avg: v, flag: 'N' }] }));
    assert.ok(r.ok);
    return r.packet;
  };
  const merged = mergeParts([part(2, 'a21002', 30), part(1, 'a21026', 20)]);
  assert.deepEqual(merged.cp.pollutants.map((p) => [p.code, p.avg]), [['a21026', 20], ['a21002', 30]]);
  assert.equal(merged.qn, '20260301083000001');
  assert.equal(merged.pnum, null);
});
