/**
 * HJ 212 parser throughput on one core over the real corpus (test/fixtures/hj212, 9,455 lines of real
 * 2005/2017 traffic): FrameDecoder (framing, length field) + parseFrame (CRC, fields, CP, 2005 code
 * mapping), all lines, repeated for --seconds. Same-run reference: a plain split of the same lines
 * (latin1 decode, split on ';' ',' '=' — tokenising without any checking), reported as a ratio.
 *
 *   node --import tsx bench/hj212-parser.ts [--seconds 5]
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { FrameDecoder } from '../src/modules/environment/hj212/frame.ts';
import { parseFrame } from '../src/modules/environment/hj212/parse.ts';
import { intArg, loadAverage, ROOT } from './support.ts';

const seconds = intArg('seconds', 5);
const file = path.resolve(ROOT, 'test/fixtures/hj212/real-traffic-2016-08-24-00.h212');
const bytes = fs.readFileSync(file);
const lines: Buffer[] = [];
for (let p = 0; p < bytes.length;) {
  const e = bytes.indexOf('\r\n', p);
  lines.push(bytes.subarray(p, e + 2));
  p = e + 2;
}

/**
 * Runs `pass` (one pass over the corpus, returns packets) repeatedly for `ms` of wall time. Returns
 * packets per second of wall time and per second of this process's CPU time (user + system): on a shared,
 * loaded machine the second is the rate one core would give, the first what we got.
 */
function measure(name: string, ms: number, pass: () => number): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i += 1) pass(); // warm-up
  let packets = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    packets += pass();
    now = performance.now();
  }
  const used = process.cpuUsage(cpu0);
  const wall = packets / ((now - start) / 1000);
  const cpu = packets / ((used.user + used.system) / 1e6);
  console.log(`${name.padEnd(34)} ${Math.round(cpu).toLocaleString('en').padStart(10)} packets/CPU-s  (${Math.round(wall).toLocaleString('en')} packets/s wall)`);
  return { wall, cpu };
}

let sink = 0;
let accepted = 0;

// 1. Line by line, as a logger's connection delivers them: one read = one packet.
const decoder = new FrameDecoder();
const perLine = measure('decode+parse, one read per packet', seconds * 1000, () => {
  accepted = 0;
  for (const line of lines) {
    decoder.push(line, (e) => {
      if (e.kind === 'frame') {
        const r = parseFrame(e.bytes);
        if (r.ok) {
          accepted += 1;
          sink += r.packet.cp.pollutants.length;
        }
      }
    });
  }
  return lines.length;
});

// 2. The whole capture as one stream in 64 KiB reads (merged packets, splits across reads).
const chunks: Buffer[] = [];
for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
const streamed = measure('decode+parse, 64 KiB reads', seconds * 1000, () => {
  let n = 0;
  for (const c of chunks) {
    decoder.push(c, (e) => {
      n += 1;
      if (e.kind === 'frame') sink += parseFrame(e.bytes).ok ? 1 : 0;
    });
  }
  return n;
});

// Reference: a plain split of the same lines.
const reference = measure('reference: plain split', seconds * 1000, () => {
  for (const line of lines) {
    const text = line.toString('latin1');
    for (const item of text.split(';')) for (const sub of item.split(',')) sink += sub.split('=').length;
  }
  return lines.length;
});

console.log(`accepted per pass: ${accepted} of ${lines.length} lines; ${os.availableParallelism()} CPUs, load average ${loadAverage()}, node ${process.version}`);
console.log(`RESULT hj212-parser packets_per_cpu_s=${Math.round(perLine.cpu)} packets_per_s_wall=${Math.round(perLine.wall)} stream_packets_per_cpu_s=${Math.round(streamed.cpu)} reference_split_per_cpu_s=${Math.round(reference.cpu)} ratio_to_split=${(perLine.cpu / reference.cpu).toFixed(2)} target=200000 load="${loadAverage()}"`);
if (sink === -1) console.log('');
