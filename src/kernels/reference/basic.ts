/**
 * Plain TypeScript references for the basic kernels. They compute in double precision and
 * return Float32Array; GPU results are compared against them with atol + rtol·|ref|.
 */

export function addRef(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

export function mulRef(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
  return out;
}

export function siluRef(a: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / (1 + Math.exp(-a[i]));
  return out;
}

export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
}

/** C[b] = A[b]·B[b]; A is M×K (K×M if transA), B is K×N (N×K if transB), all row-major. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, shape: MatmulShape): Float32Array {
  const { m, n, k, transA = false, transB = false } = shape;
  const batch = shape.batch ?? 1;
  const c = new Float32Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    const offA = bi * m * k;
    const offB = bi * k * n;
    const offC = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[offA + p * m + i] : a[offA + i * k + p];
          const bv = transB ? b[offB + j * k + p] : b[offB + p * n + j];
          sum += av * bv;
        }
        c[offC + i * n + j] = sum;
      }
    }
  }
  return c;
}

/** y = W·x with W stored as n rows of k values. */
export function gemvRef(w: ArrayLike<number>, x: ArrayLike<number>, n: number, k: number): Float32Array {
  const y = new Float32Array(n);
  for (let row = 0; row < n; row++) {
    let sum = 0;
    for (let p = 0; p < k; p++) sum += w[row * k + p] * x[p];
    y[row] = sum;
  }
  return y;
}

export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let i = 0; i < cols; i++) max = Math.max(max, x[r * cols + i]);
    let sum = 0;
    for (let i = 0; i < cols; i++) sum += Math.exp(x[r * cols + i] - max);
    for (let i = 0; i < cols; i++) out[r * cols + i] = Math.exp(x[r * cols + i] - max) / sum;
  }
  return out;
}

export function rmsNormRef(x: ArrayLike<number>, weight: ArrayLike<number>, rows: number, cols: number, eps: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sumSquares = 0;
    for (let i = 0; i < cols; i++) sumSquares += x[r * cols + i] ** 2;
    const scale = 1 / Math.sqrt(sumSquares / cols + eps);
    for (let i = 0; i < cols; i++) out[r * cols + i] = x[r * cols + i] * scale * weight[i];
  }
  return out;
}

/** Returns the cols×rows transpose of a row-major rows×cols matrix. */
export function transposeRef(x: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  }
  return out;
}
