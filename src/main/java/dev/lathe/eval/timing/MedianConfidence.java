package dev.lathe.eval.timing;

/**
 * A distribution-free confidence interval for the median, from order statistics: the number of samples below
 * the true median is Binomial(n, 1/2) whatever the timing distribution, so the interval between the k-th
 * smallest and the k-th largest sample covers it with a probability the binomial gives exactly. Timings are
 * skewed and heavy-tailed, which is why this beats mean ± t·s here.
 */
public final class MedianConfidence {
    private MedianConfidence() {}

    /** 0-based ranks {@code [lo, hi]} of the interval at {@code confidence} (0.95), or null when n is too small for it. */
    public static int[] ranks(int n, double confidence) {
        double tail = (1 - confidence) / 2;
        // lo is the largest j with P(B <= j) <= tail; accumulate the binomial pmf in log space (0.5^n underflows).
        double logPmf = -n * Math.log(2);
        double cdf = 0;
        int lo = -1;
        for (int j = 0; j < n / 2; j++) {
            if (j > 0) logPmf += Math.log(n - j + 1) - Math.log(j);
            cdf += Math.exp(logPmf);
            if (cdf > tail) break;
            lo = j;
        }
        return lo < 0 ? null : new int[] {lo, n - 1 - lo};
    }

    /** Half the interval's width relative to the median of {@code sorted}; infinite when there are too few samples. */
    public static double relativeHalfWidth(double[] sorted, int n, double confidence) {
        int[] r = ranks(n, confidence);
        if (r == null) return Double.POSITIVE_INFINITY;
        double median = LatencyStats.percentile(sorted, n, 50);
        return (sorted[r[1]] - sorted[r[0]]) / 2 / median;
    }
}
