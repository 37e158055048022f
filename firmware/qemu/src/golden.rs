//! A [`Sink`](crate::stages::Sink) that compares result words with a golden record as they
//! arrive.

use crate::stages::Sink;

/// Compares words against a golden record (little-endian bytes).
pub struct Compare<'a> {
    golden: &'a [u8],
    at: usize,
    mismatches: usize,
    first: Option<(usize, u32, u32)>,
}

impl<'a> Compare<'a> {
    /// A comparer over one golden record.
    pub fn new(golden: &'a [u8]) -> Self {
        Self {
            golden,
            at: 0,
            mismatches: 0,
            first: None,
        }
    }

    /// `true` when every word matched and the record had exactly as many words.
    pub fn ok(&self) -> bool {
        self.mismatches == 0 && self.at * 4 == self.golden.len()
    }

    /// Words compared.
    pub fn words(&self) -> usize {
        self.at
    }

    /// Mismatching words (words past the record's end count as mismatches).
    pub fn mismatches(&self) -> usize {
        self.mismatches + (self.golden.len() / 4).saturating_sub(self.at)
    }

    /// The first mismatch: (word index, got, expected).
    pub fn first(&self) -> Option<(usize, u32, u32)> {
        self.first
    }
}

impl Sink for Compare<'_> {
    fn word(&mut self, w: u32) {
        let expected = self
            .golden
            .get(4 * self.at..4 * self.at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if expected != Some(w) {
            self.mismatches += 1;
            if self.first.is_none() {
                self.first = Some((self.at, w, expected.unwrap_or(0)));
            }
        }
        self.at += 1;
    }
}
