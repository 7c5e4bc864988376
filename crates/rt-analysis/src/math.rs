//! Integer helpers shared by the analyses: gcd, checked lcm, ceiling division, exact utilization.

use crate::Time;
use core::cmp::Ordering;

/// Greatest common divisor (Euclid); `gcd(0, x) == x`.
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let r = a % b;
        a = b;
        b = r;
    }
    a
}

/// Least common multiple, `None` when it does not fit in a `u64` (or an argument is zero).
pub fn lcm(a: u64, b: u64) -> Option<u64> {
    if a == 0 || b == 0 {
        return None;
    }
    (a / gcd(a, b)).checked_mul(b)
}

/// `ceil(a / b)` for `b > 0`.
pub fn ceil_div(a: u64, b: u64) -> u64 {
    a / b + u64::from(!a.is_multiple_of(b))
}

/// `ceil(a / b)` in 128-bit arithmetic for `b > 0`.
pub fn ceil_div_u128(a: u128, b: u128) -> u128 {
    a / b + u128::from(!a.is_multiple_of(b))
}

/// Converts a 128-bit time to [`Time`], saturating at `Time::MAX`.
pub fn saturate(value: u128) -> Time {
    u64::try_from(value).unwrap_or(Time::MAX)
}

/// Converts a signed 128-bit slack to [`Time`], clamping below at zero and above at `Time::MAX`.
pub fn clamp_slack(value: i128) -> Time {
    if value <= 0 {
        0
    } else {
        saturate(value as u128)
    }
}

/// Compares `sum_i num_i / den_i` with `rhs_num / rhs_den` exactly (all denominators > 0).
///
/// Uses 2^-64 fixed-point lower and upper bounds first; only when those cannot decide does it
/// fall back to exact rational arithmetic, and if that overflows it trusts the lower bound (the
/// two bounds then differ by less than `terms * 2^-64`).
pub fn compare_ratio_sum(terms: &[(u64, u64)], rhs_num: u64, rhs_den: u64) -> Ordering {
    let mut low: u128 = 0;
    let mut high: u128 = 0;
    for &(num, den) in terms {
        let scaled = u128::from(num) << 64;
        low += scaled / u128::from(den);
        high += ceil_div_u128(scaled, u128::from(den));
    }
    let rhs_scaled = u128::from(rhs_num) << 64;
    let rhs_low = rhs_scaled / u128::from(rhs_den);
    let rhs_high = ceil_div_u128(rhs_scaled, u128::from(rhs_den));
    if high < rhs_low {
        return Ordering::Less;
    }
    if low > rhs_high {
        return Ordering::Greater;
    }
    exact_compare(terms, rhs_num, rhs_den).unwrap_or_else(|| low.cmp(&rhs_low))
}

/// Exact rational comparison; `None` on overflow.
fn exact_compare(terms: &[(u64, u64)], rhs_num: u64, rhs_den: u64) -> Option<Ordering> {
    let (num, den) = exact_sum(terms)?;
    let left = num.checked_mul(u128::from(rhs_den))?;
    let right = u128::from(rhs_num).checked_mul(den)?;
    Some(left.cmp(&right))
}

/// `sum num_i / den_i` as a reduced fraction; `None` on overflow.
fn exact_sum(terms: &[(u64, u64)]) -> Option<(u128, u128)> {
    let (mut num, mut den): (u128, u128) = (0, 1);
    for &(n, d) in terms {
        let (n, d) = (u128::from(n), u128::from(d));
        let g = gcd_u128(den, d);
        let new_den = (den / g).checked_mul(d)?;
        let new_num = num
            .checked_mul(d / g)?
            .checked_add(n.checked_mul(den / g)?)?;
        let r = gcd_u128(new_num, new_den).max(1);
        num = new_num / r;
        den = new_den / r;
    }
    Some((num, den))
}

fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let r = a % b;
        a = b;
        b = r;
    }
    a
}

/// Utilization `sum num_i / den_i` in parts per million, rounded up (an upper bound; exact
/// rounding when the exact fraction fits in 128 bits, else within `terms` ppm of it).
pub fn ratio_sum_ppm_ceil(terms: &[(u64, u64)]) -> u64 {
    if let Some((num, den)) = exact_sum(terms) {
        if let Some(scaled) = num.checked_mul(1_000_000) {
            return saturate(ceil_div_u128(scaled, den));
        }
    }
    let mut high: u128 = 0;
    for &(num, den) in terms {
        high += ceil_div_u128(u128::from(num) * 1_000_000, u128::from(den));
    }
    saturate(high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcd_lcm_ceil() {
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(lcm(4, 6), Some(12));
        assert_eq!(lcm(u64::MAX, u64::MAX - 1), None);
        assert_eq!(ceil_div(7, 2), 4);
        assert_eq!(ceil_div(8, 2), 4);
        assert_eq!(clamp_slack(-5), 0);
    }

    #[test]
    fn ratio_sums_are_exact_at_one() {
        let half_half = [(1, 2), (1, 2)];
        assert_eq!(compare_ratio_sum(&half_half, 1, 1), Ordering::Equal);
        let thirds = [(1, 3), (1, 3), (1, 3)];
        assert_eq!(compare_ratio_sum(&thirds, 1, 1), Ordering::Equal);
        let over = [(1, 3), (1, 3), (1, 3), (1, 1_000_000_007)];
        assert_eq!(compare_ratio_sum(&over, 1, 1), Ordering::Greater);
        assert_eq!(compare_ratio_sum(&[(1, 4)], 1, 3), Ordering::Less);
        assert_eq!(ratio_sum_ppm_ceil(&thirds), 1_000_000);
        assert_eq!(ratio_sum_ppm_ceil(&[(1, 3)]), 333_334);
    }
}
