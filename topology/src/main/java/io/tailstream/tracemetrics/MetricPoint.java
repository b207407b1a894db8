package io.tailstream.tracemetrics;

import java.util.List;

/**
 * One series' values at a snapshot.
 *
 * @param key the series' attribute values
 * @param count the count: a long sum's value, or a histogram's count
 * @param sum a double sum's value, or a histogram's sum
 * @param bucketCounts a histogram's per-bucket counts (one more than the bounds); null for sums
 * @param exemplars the latest exemplars, oldest first
 */
public record MetricPoint(
    SeriesKey key, long count, double sum, long[] bucketCounts, List<Exemplar> exemplars) {}
