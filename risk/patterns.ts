// IAM wildcard patterns (`*` any run of characters, `?` one character), as used in Action and Resource.
// Two questions: does a pattern match a concrete name, and does one pattern cover everything another matches.
// No RegExp built from input: patterns come from policies we do not control.

export interface MatchOptions {
  /** Actions are case-insensitive in IAM; resource ARNs are not. */
  caseInsensitive?: boolean;
}

const fold = (s: string, o?: MatchOptions) => (o?.caseInsensitive ? s.toLowerCase() : s);

/** Does `pattern` match the concrete string `text`? Linear-time greedy matcher with backtracking to the last `*`. */
export function globMatch(pattern: string, text: string, options?: MatchOptions): boolean {
  const p = fold(pattern, options);
  const t = fold(text, options);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Does pattern `outer` match every string pattern `inner` matches? Sound, not complete: `true` is always right,
 * `false` may miss an exotic cover. `*` in outer absorbs anything in inner; `?` in outer takes one literal or `?`;
 * a `*` in inner can only be absorbed by a `*` in outer.
 */
export function patternCovers(outer: string, inner: string, options?: MatchOptions): boolean {
  const o = fold(outer, options);
  const i = fold(inner, options);
  // reach[j] for the current prefix of o: can o[0..k) cover i[0..j)?
  let prev: boolean[] = new Array(i.length + 1).fill(false);
  prev[0] = true;
  for (let k = 0; k < o.length; k++) {
    const oc = o[k];
    const next: boolean[] = new Array(i.length + 1).fill(false);
    if (oc === '*') {
      let any = false;
      for (let j = 0; j <= i.length; j++) {
        any = any || prev[j]!;
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= i.length; j++) {
        if (!prev[j - 1]) continue;
        const ic = i[j - 1];
        if (ic === '*') continue;
        if (oc === '?' || oc === ic) next[j] = true;
      }
    }
    prev = next;
  }
  return prev[i.length]!;
}

/** Could the two patterns match a common string? Conservative in the other direction: `true` when unsure. */
export function patternsOverlap(a: string, b: string, options?: MatchOptions): boolean {
  if (patternCovers(a, b, options) || patternCovers(b, a, options)) return true;
  if (!/[*?]/.test(a)) return globMatch(b, a, options);
  if (!/[*?]/.test(b)) return globMatch(a, b, options);
  return true;
}

/** IAM policy variables (`${aws:username}`) stand for one value we cannot know here. */
export const hasPolicyVariable = (pattern: string): boolean => pattern.includes('${');

/** An Allow pattern with policy variables, widened to what it could match at most. */
export const widenVariables = (pattern: string): string => pattern.replace(/\$\{[^}]*\}/g, '*');
