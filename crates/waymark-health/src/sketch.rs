//! A mergeable histogram of durations for medians: fixed log-linear buckets whose counts add.
//!
//! Durations below 128 ms have a bucket each; above, every power of two is split into 64
//! buckets (HdrHistogram's layout), so a bucket spans under 1.6% of its values. Each bucket
//! also keeps the sum of its durations, and a median is the mean of its bucket: exact when
//! the durations there are equal (a common case), and always within the bucket. Buckets are
//! found with integer arithmetic only, so a duration lands in the same bucket on every
//! platform and merged histograms are exactly the histogram of one pass.

/// Sub-buckets per power of two (as a bit count).
const SUB_BITS: u32 = 6;

/// The bucket of a duration in milliseconds.
pub(crate) fn bucket(ms: u64) -> u16 {
    let top = 63 - (ms | 1).leading_zeros();
    let shift = top.saturating_sub(SUB_BITS);
    // `ms >> shift` < 128 and `shift` <= 57, so the bucket is below 3,776.
    ((u64::from(shift) << SUB_BITS) + (ms >> shift)) as u16
}

/// Counts and sums of durations per bucket, sorted by bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sketch {
    bins: Vec<(u16, u64, u64)>,
}

impl Sketch {
    /// Counts one duration.
    pub(crate) fn add(&mut self, ms: u64) {
        self.add_bin(bucket(ms), 1, ms);
    }

    fn add_bin(&mut self, bucket: u16, count: u64, sum: u64) {
        match self.bins.binary_search_by_key(&bucket, |&(b, ..)| b) {
            Ok(i) => {
                if let Some(bin) = self.bins.get_mut(i) {
                    bin.1 += count;
                    bin.2 = bin.2.saturating_add(sum);
                }
            }
            Err(i) => self.bins.insert(i, (bucket, count, sum)),
        }
    }

    /// Adds another histogram's counts.
    pub(crate) fn merge(&mut self, other: &Sketch) {
        if self.bins.is_empty() {
            self.bins.clone_from(&other.bins);
            return;
        }
        for &(b, c, s) in &other.bins {
            self.add_bin(b, c, s);
        }
    }

    /// The lower median (the value of rank `(n - 1) / 2`, as SQL's `quantile_disc(x, 0.5)`).
    pub(crate) fn median(&self) -> Option<u64> {
        let total: u64 = self.bins.iter().map(|&(_, c, _)| c).sum();
        let rank = total.checked_sub(1)? / 2;
        let mut seen = 0;
        for &(_, c, sum) in &self.bins {
            seen += c;
            if seen > rank {
                return Some((sum + c / 2) / c);
            }
        }
        None
    }

    /// The buckets with their counts and sums, sorted by bucket.
    pub(crate) fn bins(&self) -> &[(u16, u64, u64)] {
        &self.bins
    }

    /// A histogram from decoded buckets; `None` unless strictly ascending with non-zero counts.
    pub(crate) fn from_bins(bins: Vec<(u16, u64, u64)>) -> Option<Self> {
        let ascending = bins.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0));
        let valid = bins.iter().all(|&(b, c, _)| c > 0 && b <= bucket(u64::MAX));
        (ascending && valid).then_some(Self { bins })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowest duration of a bucket.
    fn bucket_low(bucket: u16) -> u64 {
        let b = u64::from(bucket);
        let shift = (b >> SUB_BITS).saturating_sub(1);
        (b - (shift << SUB_BITS)) << shift
    }

    #[test]
    fn buckets_are_exact_below_128_ms_and_narrow_above() {
        for ms in 0..128 {
            assert_eq!(bucket_low(bucket(ms)), ms);
            assert_ne!(bucket(ms), bucket(ms + 1));
        }
        let mut ms = 128u64;
        while ms < u64::MAX / 3 {
            for v in [ms, ms + ms / 3, ms * 2 - 1] {
                let low = bucket_low(bucket(v));
                assert!(low <= v && (v - low) as f64 / (v as f64) < 0.016, "{v} in bucket from {low}");
            }
            ms *= 2;
        }
        assert!(bucket(u64::MAX) < 3776);
    }

    #[test]
    fn buckets_are_monotonic() {
        let mut last = 0;
        for ms in (0..2_000_000u64).step_by(7) {
            let b = bucket(ms);
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn median_is_the_lower_median() {
        let mut s = Sketch::default();
        for v in [40, 10, 30, 20] {
            s.add(v);
        }
        assert_eq!(s.median(), Some(20));
        s.add(50);
        assert_eq!(s.median(), Some(30));
        assert_eq!(Sketch::default().median(), None);
    }

    #[test]
    fn equal_large_durations_give_an_exact_median() {
        let mut s = Sketch::default();
        for v in [190_000, 190_000, 190_000, 5_000_000] {
            s.add(v);
        }
        assert_eq!(s.median(), Some(190_000));
    }
}
