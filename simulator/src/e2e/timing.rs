//! Delivery latency: how long after an object was written (or, for EKS, its events were put
//! into CloudWatch Logs) the endpoint accepted its last row, summarised per service.

use serde::Serialize;

/// Latency of one service's objects, in seconds (`None` when no object had rows accepted).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Objects (EKS: PutLogEvents calls) with at least one accepted row: the sample size.
    pub objects: u64,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
}

impl Latency {
    /// Summarises per-object latencies (seconds, any order).
    pub fn of(mut seconds: Vec<f64>) -> Latency {
        seconds.sort_by(f64::total_cmp);
        Latency {
            objects: seconds.len() as u64,
            p50_seconds: percentile(&seconds, 50.0),
            p95_seconds: percentile(&seconds, 95.0),
            max_seconds: seconds.last().copied(),
        }
    }
}

/// The `p`-th percentile (0 < p <= 100) of sorted values, nearest rank: the smallest value
/// with at least p% of the values at or below it. `None` for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Seconds from `from_ms` to `to_ms` (epoch ms), never negative.
pub fn seconds_between(from_ms: i64, to_ms: i64) -> f64 {
    (to_ms - from_ms).max(0) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&[7.0], 50.0), Some(7.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 95.0), Some(4.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn latency_sorts_its_sample() {
        let l = Latency::of(vec![3.0, 1.0, 2.0, 10.0, 4.0]);
        assert_eq!(l.objects, 5);
        assert_eq!(l.p50_seconds, Some(3.0));
        assert_eq!(l.p95_seconds, Some(10.0));
        assert_eq!(l.max_seconds, Some(10.0));
        assert_eq!(Latency::of(Vec::new()), Latency::default());
        assert_eq!(seconds_between(1_000, 3_500), 2.5);
        assert_eq!(seconds_between(3_500, 1_000), 0.0);
    }
}
