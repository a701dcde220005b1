// Small dense linear algebra: the few-parameter fits (stacking, rating blend) need nothing bigger.
/** Solve a·x = b by Gaussian elimination with partial pivoting (for the tiny systems of stacking and blending). */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * out[k];
    out[r] = s / m[r][r];
  }
  return out;
}

/** Ordinary least squares with an intercept: y ≈ c[0] + Σ_k c[k+1]·features[k][i] (rows where y is a number). */
export function leastSquares(features: ArrayLike<number>[], y: ArrayLike<number>, ridge = 1e-9): number[] {
  const k = features.length + 1;
  const ata = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const aty = new Array<number>(k).fill(0);
  const row = new Array<number>(k).fill(1);
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) continue;
    for (let f = 1; f < k; f++) row[f] = features[f - 1][i];
    for (let a = 0; a < k; a++) {
      aty[a] += row[a] * y[i];
      for (let b = 0; b < k; b++) ata[a][b] += row[a] * row[b];
    }
  }
  for (let a = 0; a < k; a++) ata[a][a] += ridge;
  return solve(ata, aty);
}
