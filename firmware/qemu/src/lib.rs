//! equiframe on an emulated Cortex-M4F (QEMU `mps2-an386`), and the same firmware built for
//! Cortex-M0+ (`thumbv6m-none-eabi`).
//!
//! The library holds what every firmware binary in `src/bin/` shares: the runtime glue
//! ([`rt`]: panic and HardFault handlers that exit QEMU with failure), semihosting output
//! ([`out`]), the deterministic instruction meter ([`meter`], SysTick under `-icount`) and the
//! pass/fail bookkeeping ([`check`]). Every binary prints one `PASS name` / `FAIL name: why`
//! line per check and exits non-zero when any check failed.
#![no_std]
#![deny(missing_docs)]

pub mod cases;
pub mod check;
pub mod golden;
pub mod imu_traj;
pub mod meter;
pub mod out;
pub mod pipeline;
pub mod rng;
pub mod rt;
pub mod stages;

pub use check::Checks;
