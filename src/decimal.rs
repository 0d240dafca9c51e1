//! A number's decimal digits, written without `fmt`: on the hot paths (a log line's fields,
//! an image's cache key) `core::fmt`'s machinery costs more than the digits.

/// A `u64`'s decimal digits, as its `Display` and `Debug` write them.
pub struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// The digits of `value`.
    pub fn new(mut value: u64) -> Self {
        let mut digits = [0; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    /// The digits' bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are written in.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_displays() {
        for n in [0, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX - 1, u64::MAX] {
            assert_eq!(Decimal::new(n).as_str(), n.to_string());
        }
        for _ in 0..10_000 {
            let n = fastrand::u64(..);
            assert_eq!(Decimal::new(n).as_str(), n.to_string());
        }
    }
}
