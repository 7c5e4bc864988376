//! Conversions from milliseconds to ticks of the system counter.

/// Number of counter ticks in `millis` milliseconds at `frequency_hz`, saturating at `u64::MAX`.
pub fn ticks_from_millis(frequency_hz: u64, millis: u64) -> u64 {
    let ticks = u128::from(frequency_hz) * u128::from(millis) / 1000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_milliseconds_at_common_frequencies() {
        assert_eq!(ticks_from_millis(62_500_000, 10), 625_000);
        assert_eq!(ticks_from_millis(1_000_000_000, 10), 10_000_000);
        assert_eq!(ticks_from_millis(54_000_000, 10), 540_000);
        assert_eq!(ticks_from_millis(0, 10), 0);
    }

    #[test]
    fn huge_values_saturate_instead_of_wrapping() {
        assert_eq!(ticks_from_millis(u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(ticks_from_millis(u64::MAX, 1000), u64::MAX);
    }
}
