//! Sharing a case's refund or re-shipment cost over its items, so losses add up per SKU
//! to exactly the case's amount.

/// Splits `total` (minor units) over items in proportion to `weights` (their value),
/// largest remainder first, so the shares add up to `total` exactly. Items of no value
/// share equally when every item is of no value. Negative weights count as zero.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let mut w: Vec<i128> = weights.iter().map(|x| i128::from((*x).max(0))).collect();
    if w.iter().all(|x| *x == 0) {
        w.iter_mut().for_each(|x| *x = 1);
    }
    let sum: i128 = w.iter().sum();
    let total_wide = i128::from(total);
    let mut shares: Vec<i128> = w.iter().map(|x| total_wide * x / sum).collect();
    let mut left = total_wide - shares.iter().sum::<i128>();
    // Hand what rounding left over to the largest remainders (earlier items on ties).
    let mut order: Vec<usize> = (0..w.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse((total_wide * w[*i]).rem_euclid(sum)));
    let step = left.signum();
    for i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        shares[*i] += step;
        left -= step;
    }
    shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_refund_is_shared_by_value_and_adds_up() {
        assert_eq!(allocate(10_000, &[19_900, 500]), vec![9_755, 245]);
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate(7, &[0, 0]), vec![4, 3]);
        assert!(allocate(5, &[]).is_empty());
    }

    proptest! {
        #[test]
        fn shares_add_up_to_the_total_and_are_never_negative(
            total in 0i64..10_000_000_000,
            weights in prop::collection::vec(0i64..100_000_000, 1..20),
        ) {
            let shares = allocate(total, &weights);
            prop_assert_eq!(shares.len(), weights.len());
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            prop_assert!(shares.iter().all(|s| *s >= 0));
        }
    }
}
