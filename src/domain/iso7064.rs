//! ISO 7064 MOD 11-2, the check character of resident ID numbers (GB 11643) and our order numbers.

const CHECK: &[u8; 11] = b"10X98765432";

/// Check character for a string of digits; `None` if any character is not a digit.
pub(crate) fn mod11_2(digits: &str) -> Option<char> {
    // Weight of position i (from the left, n digits) is 2^(n - i) mod 11.
    let n = digits.len();
    let mut sum = 0u32;
    for (i, c) in digits.chars().enumerate() {
        let d = c.to_digit(10)?;
        let weight = pow2_mod11((n - i) as u32);
        sum += d * weight;
    }
    Some(CHECK[(sum % 11) as usize] as char)
}

fn pow2_mod11(e: u32) -> u32 {
    (0..e).fold(1, |acc, _| acc * 2 % 11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_match_gb11643() {
        let w: Vec<u32> = (1..=17).map(|i| pow2_mod11(18 - i)).collect();
        assert_eq!(w, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
    }

    #[test]
    fn published_examples() {
        assert_eq!(mod11_2("11010519491231002"), Some('X'));
        assert_eq!(mod11_2("36042619910101007"), Some('1'));
        assert_eq!(mod11_2("1101051949123100a"), None);
    }
}
