/**
 * Chinese text for PostgreSQL's `simple` text search: words from Intl.Segmenter('zh') plus CJK
 * bigrams of every run of Han characters, lower-cased, as one space-separated string. The same
 * rules make the query, so a query word matches whether the segmenter cut the document the same
 * way or not (the bigrams always agree). Works on PGlite and PostgreSQL without extensions.
 */
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN_RUN = /\p{Script=Han}+/gu;
/** Characters tsvector would treat specially or split on; we keep only letters, digits and Han. */
const CLEAN = /[^\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue;
    const w = s.segment.toLowerCase().replace(CLEAN, '');
    if (w) out.push(w);
  }
  return out;
}

function bigrams(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HAN_RUN)) {
    const run = [...m[0]];
    for (let i = 0; i + 1 < run.length; i += 1) out.push(run[i] + run[i + 1]);
  }
  return out;
}

/** Index tokens of a text (words, then bigrams), truncated to keep tsvector sizes sane. */
export function indexTokens(text: string, max = 20_000): string {
  const t = (text ?? '').slice(0, 60_000);
  const all = [...words(t), ...bigrams(t)];
  return all.slice(0, max).join(' ');
}

/** A query term: a run of Han characters (matched by all its bigrams) or another word. */
export interface QueryTerm {
  word: string;
  /** Bigrams that all must match (Han runs of 2 or more characters); empty: the word itself. */
  bigrams: string[];
}

export function queryTerms(q: string): QueryTerm[] {
  const seen = new Set<string>();
  const out: QueryTerm[] = [];
  const add = (t: QueryTerm) => {
    if (seen.has(t.word) || out.length >= 12) return;
    seen.add(t.word);
    out.push(t);
  };
  const text = (q ?? '').slice(0, 200).toLowerCase();
  // Runs of Han characters: all bigrams must match (a phrase, whatever the segmenter did).
  for (const m of text.matchAll(HAN_RUN)) {
    const run = m[0];
    add({ word: run, bigrams: [...run].length > 1 ? bigrams(run) : [] });
  }
  // Everything else (Latin words, numbers) as segmenter words.
  for (const w of words(text.replace(HAN_RUN, ' '))) add({ word: w, bigrams: [] });
  return out;
}

const quoteLexeme = (s: string): string => `'${s.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;

/**
 * A tsquery text: every term must match, a Han run by all of its bigrams (a single Han character
 * only where the segmenter kept it as a word). Empty when the query has no searchable characters.
 * With a weight, every lexeme must match with that weight (A: in the title or document number).
 */
export function tsQueryText(terms: QueryTerm[], weight?: 'A' | 'B'): string {
  const lex = (s: string) => `${quoteLexeme(s)}${weight ? `:${weight}` : ''}`;
  return terms
    .map((t) => (t.bigrams.length ? `(${t.bigrams.map(lex).join(' & ')})` : lex(t.word)))
    .join(' & ');
}

/**
 * A highlighted snippet: the text around the first match of any query word, with the matches as
 * ranges (the caller escapes and marks them). Falls back to the text's start.
 */
export function snippet(text: string, terms: QueryTerm[], width = 90): { text: string; marks: [number, number][] } {
  const plain = (text ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  const lower = plain.toLowerCase();
  let first = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.word);
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(width / 3));
  const piece = plain.slice(start, start + width);
  const lp = piece.toLowerCase();
  const marks: [number, number][] = [];
  for (const t of terms) {
    let from = 0;
    for (;;) {
      const i = lp.indexOf(t.word, from);
      if (i < 0) break;
      marks.push([i, i + t.word.length]);
      from = i + t.word.length;
    }
  }
  marks.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const m of marks) {
    const last = merged[merged.length - 1];
    if (last && m[0] <= last[1]) last[1] = Math.max(last[1], m[1]);
    else merged.push([...m]);
  }
  return { text: (start > 0 ? '…' : '') + piece + (start + width < plain.length ? '…' : ''), marks: merged.map(([a, b]) => [a + (start > 0 ? 1 : 0), b + (start > 0 ? 1 : 0)]) };
}
