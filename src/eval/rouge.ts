// coco-caption's ROUGE-L (pycocoevalcap rouge/rouge.py; Lin 2004, "ROUGE: a package for
// automatic evaluation of summaries"), reproduced with its quirks:
// - captions split on single spaces (str.split(" ")), so '' is a token: an empty caption is one
//   empty token, and it matches an empty reference;
// - precision and recall are maximised SEPARATELY over the references (P = max_j LCS_j/|c|,
//   R = max_j LCS_j/|r_j|, possibly from different references), then
//   F = (1 + β²)·P·R / (R + β²·P) with β = 1.2, or 0 if P or R is 0;
// - the corpus score is the mean of the per-image scores.

const BETA2 = 1.2 * 1.2; // Python's 1.2**2

/** Length of the longest common subsequence of two token arrays (O(|a|·|b|) time, O(|b|) space). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length < b.length) [a, b] = [b, a];
  const dp = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0; // dp[i-1][j-1]
    for (let j = 1; j <= b.length; j++) {
      const up = dp[j]; // dp[i-1][j]
      dp[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, dp[j - 1]);
      diag = up;
    }
  }
  return dp[b.length];
}

/** ROUGE-L F-score (β = 1.2) of one candidate against its references (caption strings). */
export function rougeL(candidate: string, references: readonly string[]): number {
  const c = candidate.split(' ');
  let precMax = 0, recMax = 0;
  for (const reference of references) {
    const r = reference.split(' ');
    const lcs = lcsLength(r, c);
    precMax = Math.max(precMax, lcs / c.length);
    recMax = Math.max(recMax, lcs / r.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + BETA2) * precMax * recMax) / (recMax + BETA2 * precMax);
}
