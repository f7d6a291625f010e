/* The limit references for descent-bench on a CPU, compiled at run time when a C compiler is
 * there (descent_bench.measurement.native):
 *
 *   stream_sum_*     a vectorised streaming read: the memory bandwidth ceiling;
 *   moment_descent_* K steps of c <- c - step * sum_i g_i x_i^j, g = r or sign(r), with
 *                    r = p(x) - y: the sine fit's descent, fused into one pass per step.
 *
 * Sums use `omp simd` reductions (vector accumulators, reordered) but no fast-math: NaN and
 * infinity propagate as in IEEE arithmetic. Inputs of float are computed and summed in
 * double. One thread.
 */
#include <math.h>

/* One pass of degree 3: g is r or sign(r) (a separate loop each, so both vectorise). */
#define MOMENTS_3(G)                                                                       \
    _Pragma("omp simd reduction(+ : s0, s1, s2, s3)")                                      \
    for (long i = 0; i < n; i++) {                                                         \
        double xi = x[i];                                                                  \
        double r = ((c3 * xi + c2) * xi + c1) * xi + c0 - (double)y[i];                    \
        double g = (G);                                                                    \
        s0 += g;                                                                           \
        g *= xi;                                                                           \
        s1 += g;                                                                           \
        g *= xi;                                                                           \
        s2 += g;                                                                           \
        g *= xi;                                                                           \
        s3 += g;                                                                           \
    }

#define MOMENT_DESCENT_3(T, S)                                                             \
    static void moment_descent3_##S(T *c, const T *x, const T *y, long n, double step,     \
                                    long k, int sign) {                                    \
        for (long it = 0; it < k; it++) {                                                  \
            double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];                             \
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                         \
            if (sign) {                                                                    \
                MOMENTS_3(r == r ? (double)((r > 0.0) - (r < 0.0)) : r)                    \
            } else {                                                                       \
                MOMENTS_3(r)                                                               \
            }                                                                              \
            c[0] = (T)(c0 - step * s0);                                                    \
            c[1] = (T)(c1 - step * s1);                                                    \
            c[2] = (T)(c2 - step * s2);                                                    \
            c[3] = (T)(c3 - step * s3);                                                    \
        }                                                                                  \
    }

#define MAX_DEGREE 31

#define DEFINE(T, S)                                                                       \
    double stream_sum_##S(const T *a, long n) {                                            \
        T s = 0;                                                                           \
        _Pragma("omp simd reduction(+ : s)")                                               \
        for (long i = 0; i < n; i++) s += a[i];                                            \
        return (double)s;                                                                  \
    }                                                                                      \
    MOMENT_DESCENT_3(T, S)                                                                 \
    int moment_descent_##S(T *c, int degree, const T *x, const T *y, long n, double step,  \
                           long k, int sign) {                                             \
        if (degree < 0 || degree > MAX_DEGREE) return 1;                                   \
        if (degree == 3) {                                                                 \
            moment_descent3_##S(c, x, y, n, step, k, sign);                                \
            return 0;                                                                      \
        }                                                                                  \
        double s[MAX_DEGREE + 1];                                                          \
        for (long it = 0; it < k; it++) {                                                  \
            for (int j = 0; j <= degree; j++) s[j] = 0;                                    \
            for (long i = 0; i < n; i++) {                                                 \
                double xi = x[i], p = c[degree];                                           \
                for (int j = degree - 1; j >= 0; j--) p = p * xi + (double)c[j];           \
                double r = p - (double)y[i];                                               \
                double g = sign ? (r > 0 ? 1.0 : (r < 0 ? -1.0 : r)) : r;                  \
                for (int j = 0; j <= degree; j++, g *= xi) s[j] += g;                      \
            }                                                                              \
            for (int j = 0; j <= degree; j++) c[j] = (T)((double)c[j] - step * s[j]);      \
        }                                                                                  \
        return 0;                                                                          \
    }

DEFINE(double, f64)
DEFINE(float, f32)
