//! The CUDA C source of the GPU backend, compiled at run time by NVRTC with `--fmad=false`
//! (no contraction: every float operation rounds as on the CPU).
//!
//! Every kernel uses only operations whose results are fixed by their inputs: integer
//! arithmetic (int32 wrapping through `unsigned`, exact int64 products, 128-bit sums as
//! hi/lo pairs), `fabsf` / `fmaxf`, IEEE single subtraction / multiplication / addition in the
//! CPU's order, `round` / `roundf` (ties away from zero, as libm) -- so the integers they
//! produce are those of the CPU path, bit for bit.

/// Kernel source (extern "C" entry points named as in `cuda/mod.rs`).
pub(crate) const SOURCE: &str = r#"
typedef long long i64;
typedef unsigned long long u64;
#define THREADS 256

// Block per sample: max |x[k] - origin[k]| over the frame source's d coordinates; flags
// non-finite values in bad[b].
extern "C" __global__ void max_abs(const float* x, int n, int c, int off, int d,
                                   const float* origin, float* out, int* bad) {
    __shared__ float sm[THREADS];
    __shared__ int sb[THREADS];
    int b = blockIdx.x, t = threadIdx.x;
    const float* xs = x + (u64)b * n * c;
    float m = 0.0f;
    int flag = 0;
    for (int p = t; p < n; p += THREADS) {
        for (int k = 0; k < d; k++) {
            float v = xs[(u64)p * c + off + k] - origin[b * 3 + k];
            if (!isfinite(v)) flag = 1;
            m = fmaxf(m, fabsf(v));
        }
    }
    sm[t] = m; sb[t] = flag;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (t < s) { sm[t] = fmaxf(sm[t], sm[t + s]); sb[t] |= sb[t + s]; }
        __syncthreads();
    }
    if (t == 0) { out[b] = sm[0]; bad[b] = sb[0]; }
}

// 128-bit accumulation of a signed 64-bit value into (hi, lo).
__device__ void add128(i64* hi, u64* lo, i64 v) {
    u64 l = *lo + (u64)v;
    *hi += (v < 0 ? -1 : 0) + (l < *lo ? 1 : 0);
    *lo = l;
}

// Block per sample. mode 0: out[b*3+k] = sum_p round(x[p][k] * s) (i64), the centroid sums.
// mode 1: q_k = round((x[p][k] - origin[k]) * s); out[b*12 + 2*e] = hi, [+1] = lo of
// sum_p q_i q_j for the upper-triangle entry e = (0,0) (0,1) (0,2) (1,1) (1,2) (2,2).
extern "C" __global__ void grid_sums(const float* x, int n, int c, int off, int d,
                                     const float* origin, const double* scale, int mode,
                                     i64* out) {
    __shared__ i64 shi[THREADS];
    __shared__ u64 slo[THREADS];
    int b = blockIdx.x, t = threadIdx.x;
    const float* xs = x + (u64)b * n * c;
    double s = scale[b];
    int entries = mode == 0 ? 3 : 6;
    const int ei[6] = {0, 0, 0, 1, 1, 2};
    const int ej[6] = {0, 1, 2, 1, 2, 2};
    for (int e = 0; e < entries; e++) {
        i64 hi = 0; u64 lo = 0;
        if ((mode == 0 && e < d) || (mode == 1 && ei[e] < d && ej[e] < d)) {
            for (int p = t; p < n; p += THREADS) {
                const float* r = xs + (u64)p * c + off;
                if (mode == 0) {
                    add128(&hi, &lo, (i64)round((double)r[e] * s));
                } else {
                    i64 qi = (i64)round((double)(r[ei[e]] - origin[b * 3 + ei[e]]) * s);
                    i64 qj = (i64)round((double)(r[ej[e]] - origin[b * 3 + ej[e]]) * s);
                    add128(&hi, &lo, qi * qj);
                }
            }
        }
        shi[t] = hi; slo[t] = lo;
        __syncthreads();
        for (int st = THREADS / 2; st > 0; st >>= 1) {
            if (t < st) {
                u64 l = slo[t] + slo[t + st];
                shi[t] += shi[t + st] + (l < slo[t] ? 1 : 0);
                slo[t] = l;
            }
            __syncthreads();
        }
        if (t == 0) {
            if (mode == 0) out[b * 3 + e] = (i64)slo[0];
            else { out[b * 12 + 2 * e] = shi[0]; out[b * 12 + 2 * e + 1] = (i64)slo[0]; }
        }
        __syncthreads();
    }
}

// Quantization of the network input as quant::quantize_f32: roundf(x * inv), saturated to
// int32 (NaN -> 0), + zp saturated, clamped to int8.
__device__ signed char quantize(float v, float inv, int zp) {
    float r = roundf(v * inv);
    i64 q;
    if (isnan(r)) q = 0;
    else if (r >= 2147483647.0f) q = 2147483647LL;
    else if (r <= -2147483648.0f) q = -2147483648LL;
    else q = (i64)r;
    q += zp;
    if (q < -128) q = -128;
    if (q > 127) q = 127;
    return (signed char)q;
}

// Thread per (frame row, point): the canonical input of row bf = sample * F + frame, as
// InputSchema::canonicalize (positions F^T (x - c), vectors F^T v, axial det F^T w, the rest
// copied), quantized. frames[bf*13]: axes (axis j at 3j), origin at 9, det at 12.
// kinds: 0 position, 1 vector, 2 axial.
extern "C" __global__ void canon_quant(const float* x, int n, int c, int d, int F,
                                       int nf, const int* kinds, const int* offs,
                                       const float* frames, float inv, int zp,
                                       signed char* t0, int rows) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= rows * n) return;
    int bf = idx / n, p = idx % n, b = bf / F;
    const float* xr = x + ((u64)b * n + p) * c;
    const float* f = frames + (u64)bf * 13;
    signed char* o = t0 + ((u64)bf * n + p) * c;
    for (int ch = 0; ch < c; ch++) o[ch] = quantize(xr[ch], inv, zp);
    for (int i = 0; i < nf; i++) {
        float v[3] = {0.0f, 0.0f, 0.0f};
        for (int k = 0; k < d; k++) v[k] = xr[offs[i] + k];
        if (kinds[i] == 0) { v[0] = v[0] - f[9]; v[1] = v[1] - f[10]; v[2] = v[2] - f[11]; }
        for (int j = 0; j < d; j++) {
            const float* a = f + 3 * j;
            float y = __fadd_rn(__fadd_rn(__fmul_rn(a[0], v[0]), __fmul_rn(a[1], v[1])),
                                __fmul_rn(a[2], v[2]));
            if (kinds[i] == 2) y = __fmul_rn(y, f[12]);
            o[offs[i] + j] = quantize(y, inv, zp);
        }
    }
}

// gemmlowp / TFLite Micro requantization, as quant::fixed_point.
__device__ int srdhm(int a, int b) {
    i64 ab = (i64)a * (i64)b;
    int r = (int)((ab + (1LL << 30)) >> 31);
    return r == (int)0x80000000 ? 0x7fffffff : r;
}
__device__ int rdbpot(int x, int e) {
    e = e < 0 ? 0 : (e > 31 ? 31 : e);
    int mask = (int)((1LL << e) - 1);
    int rem = x & mask;
    int thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}
__device__ signed char requant(int acc, int bias, int m, int s, int zp, int lo, int hi) {
    int left = s < 0 ? 0 : (s > 31 ? 31 : s);
    int right = s > 0 ? 0 : (s == (int)0x80000000 ? 0x7fffffff : -s);
    int x = (int)((unsigned)acc + (unsigned)bias);
    x = (int)((unsigned)x * (1u << left));
    int v = rdbpot(srdhm(x, m), right);
    v = (int)((unsigned)v + (unsigned)zp);
    v = v < lo ? lo : (v > hi ? hi : v);
    return (signed char)v;
}

__device__ int dot_i8(const signed char* x, const signed char* w, int cin) {
    unsigned acc = 0;
    for (int i = 0; i < cin; i++) acc += (unsigned)((int)x[i] * (int)w[i]);
    return (int)acc;
}

// Thread per (row, output channel): y[r][c] = requant(sum_i x[r][i] w[c][i]). Pointwise
// layers (rows = frame rows x points) and dense layers (rows = frame rows).
extern "C" __global__ void dense_rows(const signed char* x, int rows, int cin, int cout,
                                      const signed char* w, const int* bias, const int* mult,
                                      const int* shift, int zp, int lo, int hi,
                                      signed char* y) {
    u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (u64)rows * cout) return;
    u64 r = idx / cout;
    int c = (int)(idx % cout);
    int acc = dot_i8(x + r * cin, w + (u64)c * cin, cin);
    y[idx] = requant(acc, bias[c], mult[c], shift[c], zp, lo, hi);
}

// Thread per (frame row, output channel): the pointwise layer fused with max pooling over
// the n points, with the scalar kernel's rule (kernels::pointwise_max_i8): channels flagged in
// `trick` requantize the extreme accumulator once (max for a non-negative multiplier, min for
// a negative one), the others take the maximum of every point's requantized value.
extern "C" __global__ void pointwise_max(const signed char* x, int frows, int n, int cin,
                                         int cout, const signed char* w, const int* bias,
                                         const int* mult, const int* shift, const int* trick,
                                         int zp, int lo, int hi, signed char* y) {
    u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (u64)frows * cout) return;
    u64 bf = idx / cout;
    int c = (int)(idx % cout);
    int best = -128;
    int amax = (int)0x80000000, amin = 0x7fffffff;
    for (int p = 0; p < n; p++) {
        int acc = dot_i8(x + (bf * n + p) * cin, w + (u64)c * cin, cin);
        amax = acc > amax ? acc : amax;
        amin = acc < amin ? acc : amin;
        if (!trick[c]) {
            int v = requant(acc, bias[c], mult[c], shift[c], zp, lo, hi);
            best = v > best ? v : best;
        }
    }
    if (trick[c]) best = requant(mult[c] >= 0 ? amax : amin, bias[c], mult[c], shift[c], zp, lo, hi);
    y[idx] = (signed char)best;
}

// Thread per (frame row, channel): max over the n rows.
extern "C" __global__ void max_pool(const signed char* x, int frows, int n, int c,
                                    signed char* y) {
    u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (u64)frows * c) return;
    u64 bf = idx / c;
    int ch = (int)(idx % c);
    int best = -128;
    for (int p = 0; p < n; p++) {
        int v = x[(bf * n + p) * c + ch];
        best = v > best ? v : best;
    }
    y[idx] = (signed char)best;
}
"#;
