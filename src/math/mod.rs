//! The f32 functions of frames and Lie groups, each from the implementation that wins on the
//! target (see ARCHITECTURE.md, "f32 math", for the measurements):
//!
//! | function | Cortex-M4F / M7 / M33 (`eabihf` targets) | elsewhere |
//! |---|---|---|
//! | [`sqrt`] | `VSQRT.F32` (one instruction) | `libm::sqrtf` |
//! | [`sin`], [`cos`], [`atan2`] | `libm` | `libm` |
//!
//! Every function here is correctly rounded ([`sqrt`]: IEEE 754 requires it of both `VSQRT`
//! and `libm::sqrtf`) or exactly `libm`'s result, so results are bit-identical on every target:
//! the desktop's golden outputs hold on the microcontroller. `micromath`'s approximations
//! (errors of 1e-4 to 1e-3 relative; `firmware/qemu/src/bin/math.rs` measures them) would break
//! that, so none is used.

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod vfp;

/// Square root, correctly rounded (NaN for negative inputs, as IEEE 754 and `libm::sqrtf`).
/// `VSQRT.F32` on hard-float Arm targets, `libm::sqrtf` elsewhere; bit-identical.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    return vfp::sqrt(x);
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    libm::sqrtf(x)
}

/// Sine (`libm::sinf`: error below 1 ulp, argument reduction exact for every f32).
#[inline]
pub fn sin(x: f32) -> f32 {
    libm::sinf(x)
}

/// Cosine (`libm::cosf`: error below 1 ulp, argument reduction exact for every f32).
#[inline]
pub fn cos(x: f32) -> f32 {
    libm::cosf(x)
}

/// Four-quadrant arctangent of `y / x` in `[-pi, pi]` (`libm::atan2f`: error below 2 ulp).
#[inline]
pub fn atan2(y: f32, x: f32) -> f32 {
    libm::atan2f(y, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(
        miri,
        ignore = "430,000 soft-float square roots; the sweep runs natively in the test suite"
    )]
    fn sqrt_is_libm_bit_for_bit() {
        let mut bits = 0x0000_0001u32;
        while bits < 0x7f80_0000 {
            let x = f32::from_bits(bits);
            assert_eq!(sqrt(x).to_bits(), libm::sqrtf(x).to_bits(), "x = {x:e}");
            assert_eq!(sqrt(x), f64::from(x).sqrt() as f32, "x = {x:e}");
            bits += 0x1357;
        }
        assert!(sqrt(-1.0).is_nan());
        assert_eq!(sqrt(0.0), 0.0);
        assert_eq!(sqrt(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn trig_is_libm() {
        for i in -1000..=1000 {
            let x = i as f32 * 0.01;
            assert_eq!(sin(x).to_bits(), libm::sinf(x).to_bits());
            assert_eq!(cos(x).to_bits(), libm::cosf(x).to_bits());
            assert_eq!(
                atan2(x, 1.0 - x).to_bits(),
                libm::atan2f(x, 1.0 - x).to_bits()
            );
        }
    }
}
