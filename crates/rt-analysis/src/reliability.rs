//! Combinatorial reliability with and without VM migration (floating point, host-tool side).
//!
//! Cores fail independently with constant rate `lambda`; `R = exp(-lambda t)`. With migration
//! the system survives while at least `k` of its `n` cores are left (k from partitioning) and
//! every failure so far was covered (detected and migrated within the affordable downtime,
//! probability `c`).

/// Core reliability `R(t) = exp(-lambda t)` (`lambda` per unit of `t`).
pub fn core_reliability(lambda: f64, t: f64) -> f64 {
    libm::exp(-lambda * t)
}

/// Without migration every busy core is a single point of failure: `R^n`.
pub fn without_migration(r: f64, n: u32) -> f64 {
    power(r, n)
}

/// At least `k` of `n` cores alive: `sum_{i=k..n} C(n, i) R^i (1 - R)^(n - i)`
/// (1 for `k = 0`, 0 for `k > n`).
pub fn k_out_of_n(r: f64, n: u32, k: u32) -> f64 {
    (k..=n)
        .map(|i| binomial(n, i) * power(r, i) * power(1.0 - r, n - i))
        .sum()
}

/// Mean time to failure of a k-out-of-n system of exponential cores:
/// `(1 / lambda) sum_{i=k..n} 1 / i` (the `(n - k + 1)`-th failure); `k` must be at least 1.
pub fn mttf_k_out_of_n(lambda: f64, n: u32, k: u32) -> f64 {
    (k.max(1)..=n).map(|i| 1.0 / f64::from(i)).sum::<f64>() / lambda
}

/// Imperfect migration with coverage `c`:
/// `sum_{j=0..n-k} C(n, j) c^j R^(n - j) (1 - R)^j` (two cores, one VM: `R^2 + 2 c R (1 - R)`).
pub fn with_coverage(r: f64, n: u32, k: u32, c: f64) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..=n - k)
        .map(|j| binomial(n, j) * power(c, j) * power(r, n - j) * power(1.0 - r, j))
        .sum()
}

/// Binomial coefficient `C(n, k)` as a float (exact up to 2^53).
pub fn binomial(n: u32, k: u32) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// `x^e` by repeated squaring (no libm needed, exact `0^0 = 1`).
fn power(mut x: f64, mut e: u32) -> f64 {
    let mut acc = 1.0;
    while e > 0 {
        if e & 1 == 1 {
            acc *= x;
        }
        x *= x;
        e >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uunifast::XorShift64Star;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn closed_forms() {
        let r = core_reliability(1e-3, 100.0);
        assert!(close(r, (-0.1f64).exp(), 1e-15));
        assert!(close(without_migration(r, 3), r * r * r, 1e-15));
        for c in [1.0, 0.99, 0.9] {
            let two_cores = r * r + 2.0 * c * r * (1.0 - r);
            assert!(close(with_coverage(r, 2, 1, c), two_cores, 1e-15));
        }
        assert!(close(
            with_coverage(r, 4, 2, 1.0),
            k_out_of_n(r, 4, 2),
            1e-15
        ));
        assert!(close(k_out_of_n(r, 5, 0), 1.0, 1e-12));
        assert!(close(k_out_of_n(r, 3, 3), without_migration(r, 3), 1e-15));
        assert_eq!(k_out_of_n(r, 2, 3), 0.0);
        assert!(close(mttf_k_out_of_n(2.0, 2, 1), 0.75, 1e-15));
        assert_eq!(binomial(8, 3), 56.0);
    }

    #[test]
    fn monte_carlo_coverage() {
        let mut rng = XorShift64Star::new(0x5eed);
        let (n, k, r, c) = (4u32, 2u32, 0.8, 0.9);
        let trials = 200_000;
        let mut survived = 0u32;
        for _ in 0..trials {
            let mut failures = 0;
            let mut covered = true;
            for _ in 0..n {
                if rng.next_f64() >= r {
                    failures += 1;
                    covered &= rng.next_f64() < c;
                }
            }
            if failures <= n - k && covered {
                survived += 1;
            }
        }
        let estimate = f64::from(survived) / f64::from(trials);
        assert!(
            close(estimate, with_coverage(r, n, k, c), 0.005),
            "{estimate}"
        );
    }

    #[test]
    fn monte_carlo_mttf() {
        let mut rng = XorShift64Star::new(42);
        let (lambda, n, k) = (0.5, 4u32, 2u32);
        let trials = 100_000;
        let mut total = 0.0;
        for _ in 0..trials {
            let mut lifetimes: [f64; 4] =
                core::array::from_fn(|_| -(1.0 - rng.next_f64()).ln() / lambda);
            lifetimes.sort_by(f64::total_cmp);
            total += lifetimes[(n - k) as usize];
        }
        let estimate = total / f64::from(trials);
        let expected = mttf_k_out_of_n(lambda, n, k);
        assert!(
            close(estimate, expected, 0.02 * expected),
            "{estimate} vs {expected}"
        );
    }
}
