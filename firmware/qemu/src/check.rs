//! Pass/fail bookkeeping: one `PASS name` / `FAIL name: why` line per check.

use core::fmt::Display;

/// Counts checks of one firmware run and turns them into the exit code.
#[derive(Debug, Default)]
pub struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    /// No checks yet.
    pub const fn new() -> Self {
        Self {
            passed: 0,
            failed: 0,
        }
    }

    /// Records one check; prints `PASS name` or `FAIL name: detail`.
    pub fn check(&mut self, name: &str, ok: bool, detail: impl Display) -> bool {
        if ok {
            self.passed += 1;
            crate::println!("PASS {}", name);
        } else {
            self.failed += 1;
            crate::println!("FAIL {}: {}", name, detail);
        }
        ok
    }

    /// Checks passed so far.
    pub fn passed(&self) -> u32 {
        self.passed
    }

    /// Checks failed so far.
    pub fn failed(&self) -> u32 {
        self.failed
    }

    /// Prints the tally and exits QEMU: code 0 only when every check passed (and there was one).
    pub fn finish(&self) -> ! {
        crate::println!("checks {} passed {} failed", self.passed, self.failed);
        crate::out::exit(self.failed == 0 && self.passed > 0)
    }
}
