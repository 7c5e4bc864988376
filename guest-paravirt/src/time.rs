//! Conversions between milliseconds or nanoseconds and ticks of the system counter.

/// Number of counter ticks in `millis` milliseconds at `frequency_hz`, saturating at `u64::MAX`.
pub fn ticks_from_millis(frequency_hz: u64, millis: u64) -> u64 {
    let ticks = u128::from(frequency_hz) * u128::from(millis) / 1000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Counter ticks to nanoseconds, rounded down: `ticks * 10^9 / frequency_hz` (the formula the
/// hypervisor and the real-time page use). 0 if the frequency is 0.
pub fn ns_from_ticks(frequency_hz: u64, ticks: u64) -> u64 {
    if frequency_hz == 0 {
        return 0;
    }
    let ns = u128::from(ticks) * 1_000_000_000 / u128::from(frequency_hz);
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// Nanoseconds to counter ticks, rounded up: the first tick at which [`ns_from_ticks`] reaches
/// `ns`. Saturates at `u64::MAX`.
pub fn ticks_from_ns(frequency_hz: u64, ns: u64) -> u64 {
    let ticks = (u128::from(ns) * u128::from(frequency_hz)).div_ceil(1_000_000_000);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanoseconds_and_ticks_convert_consistently() {
        for frequency in [62_500_000, 1_000_000_000, 54_000_000, 19_200_000] {
            for ns in [0, 1, 999, 1000, 16, 17, 123_456_789] {
                let ticks = ticks_from_ns(frequency, ns);
                assert!(ns_from_ticks(frequency, ticks) >= ns, "{frequency} {ns}");
                if ticks > 0 {
                    assert!(
                        ns_from_ticks(frequency, ticks - 1) < ns,
                        "the first such tick"
                    );
                }
            }
        }
        assert_eq!(ns_from_ticks(62_500_000, 125_000), 2_000_000);
        assert_eq!(ns_from_ticks(0, 5), 0);
        assert_eq!(ticks_from_ns(1_000_000_000, u64::MAX), u64::MAX);
    }

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
