//! The fast exact moments against the f64 reference, bit for bit.

use super::*;

/// xorshift64* stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

fn bits(m: &Option<Moments>) -> Option<[u32; 13]> {
    m.map(|m| {
        let mut b = [0u32; 13];
        b[0] = m.weight.to_bits();
        for (d, s) in b[1..4].iter_mut().zip(m.origin) {
            *d = s.to_bits();
        }
        for (d, s) in b[4..].iter_mut().zip(m.scatter.iter().flatten()) {
            *d = s.to_bits();
        }
        b
    })
}

fn same(schema: &InputSchema, x: &[f32]) {
    let fast = schema.exact_moments(x);
    let slow = schema.exact_moments_reference(x);
    assert_eq!(bits(&fast), bits(&slow), "fast {fast:?} reference {slow:?}");
}

/// Values whose grid products sit exactly on rounding ties and at every exponent.
fn adversarial(rng: &mut Rng, n: usize, d: usize, c: usize) -> [f32; 3 * 64] {
    let mut x = [0.0f32; 3 * 64];
    for (i, v) in x.iter_mut().take(n * c).enumerate() {
        let r = rng.next();
        let e = (r % 60) as i32 - 30;
        let mant = ((r >> 8) & 0xff_ffff) as f32 / (1u64 << 24) as f32;
        let sign = if r >> 63 == 0 { 1.0 } else { -1.0 };
        *v = match (r >> 32) % 7 {
            0 => sign * libm::ldexpf(1.5, e),
            1 => sign * libm::ldexpf(mant, e),
            2 => sign * libm::ldexpf(3.0, -(r as i32 & 15) - 20),
            3 => -0.0,
            4 => sign * f32::from_bits((r >> 40) as u32 & 0x7f_ffff),
            _ => rng.unit() * 4.0 + if i % c < d { 100.0 } else { 0.0 },
        };
    }
    x
}

#[test]
fn fast_equals_reference_on_random_and_adversarial_sets() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (d, c) in [(3, 3), (2, 2), (3, 4), (2, 3)] {
        let schema = InputSchema::points(d, c).unwrap();
        for n in [1, 2, 3, 7, 8, 15, 64] {
            if n * c > 3 * 64 {
                continue;
            }
            // Fewer sets under Miri (interpreted); the full count runs natively.
            for _ in 0..if cfg!(miri) { 4 } else { 200 } {
                let x = adversarial(&mut rng, n, d, c);
                same(&schema, &x[..n * c]);
                let mut y = [0.0f32; 3 * 64];
                for (v, w) in y.iter_mut().zip(&x).take(n * c) {
                    *v = rng.unit() * 1e4 + w * 1e-3;
                }
                same(&schema, &y[..n * c]);
            }
        }
    }
    let imu = InputSchema::imu();
    for _ in 0..if cfg!(miri) { 4 } else { 200 } {
        let mut x = [0.0f32; 6 * 20];
        for v in x.iter_mut() {
            *v = rng.unit() * 9.81;
        }
        same(&imu, &x);
        let a = adversarial(&mut rng, 40, 3, 3);
        x.copy_from_slice(&a[..120]);
        same(&imu, &x);
    }
}

#[test]
fn fast_equals_reference_on_edge_cases() {
    let schema = InputSchema::points(3, 3).unwrap();
    let tiny = f32::from_bits(1);
    let cases: [[f32; 6]; 8] = [
        [0.0; 6],
        [-0.0, 0.0, -0.0, 0.0, -0.0, 0.0],
        [tiny, 0.0, 0.0, -tiny, 0.0, 0.0],
        [f32::MAX, 1.0, 0.0, -f32::MAX, 1.0, 0.0],
        [1e-40, 2e-40, 3e-40, 1e-39, 0.0, -1e-39],
        [1e30, 1e30, 1e30, 1e30, 1e30, 1e30 + 1e24],
        [f32::NAN, 0.0, 0.0, 1.0, 1.0, 1.0],
        [f32::INFINITY, 0.0, 0.0, 1.0, 1.0, 1.0],
    ];
    for x in &cases {
        same(&schema, x);
    }
    assert!(schema.exact_moments(&cases[6]).is_none());
    assert!(schema.exact_moments(&[]).is_none());
}

#[test]
fn permuted_sample_gives_identical_moments() {
    let schema = InputSchema::points(3, 3).unwrap();
    let mut rng = Rng(7);
    let mut x = [0.0f32; 3 * 50];
    for v in x.iter_mut() {
        *v = rng.unit() * 3.0 + 1e3;
    }
    let mut y = x;
    y.as_chunks_mut::<3>().0.reverse();
    assert_eq!(
        bits(&schema.exact_moments(&x)),
        bits(&schema.exact_moments(&y))
    );
}
