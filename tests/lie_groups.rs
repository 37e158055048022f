//! One checker, run on every Lie group (the test matrix of the manif library): each property at
//! the identity, near the identity (tangent norm 1e-4) and at random elements (rotation angles
//! up to 2.5 rad, translations and velocities up to 2).
//!
//! Tolerances (f32, stated once): algebraic identities within `ALG_TOL = 2e-5`; every Jacobian
//! against a central finite difference with perturbation `H = 1e-2` within
//! `FD_TOL * max(1, |J|max)`, `FD_TOL = 1e-4` (largest entry difference, relative to the
//! Jacobian's largest entry where that exceeds 1: translation terms grow with the
//! translation; central differences make the truncation error `H^2 / 6 |f'''|`, about 2e-5
//! here, and the f32 rounding `eps / H`, about 1e-5).

#![allow(clippy::needless_range_loop)]

use equiframe::lie::mat::{self, Mat};
use equiframe::lie::{Action, LieGroup, Se2, Se23, Se3, So2, So3};

const ALG_TOL: f32 = 2e-5;
const FD_TOL: f32 = 1e-4;
const H: f32 = 1e-2;

/// xorshift32: deterministic samples without a dependency.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
    /// A tangent with rotation part `|theta| <= max_angle`, other parts in `[-2, 2]`.
    fn tangent<const D: usize>(&mut self, rot: &[usize], max_angle: f32) -> [f32; D] {
        let mut t = [0.0f32; D];
        for v in t.iter_mut() {
            *v = 2.0 * self.next();
        }
        let n: f32 = rot.iter().map(|&i| t[i] * t[i]).sum::<f32>().sqrt();
        let want = max_angle * self.next().abs();
        if n > 0.0 {
            for &i in rot {
                t[i] *= want / n;
            }
        }
        t
    }
}

fn unit<const D: usize>(j: usize, s: f32) -> [f32; D] {
    let mut e = [0.0f32; D];
    e[j] = s;
    e
}

fn vec_diff<const D: usize>(a: &[f32; D], b: &[f32; D]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Central-difference right Jacobian of `f: G -> G` at `x`.
fn fd_gg<G: LieGroup<D>, const D: usize>(x: &G, f: impl Fn(&G) -> G) -> Mat<D, D> {
    let y = f(x);
    let mut j = [[0.0f32; D]; D];
    for c in 0..D {
        let a = f(&x.rplus(unit(c, H))).rminus(&y);
        let b = f(&x.rplus(unit(c, -H))).rminus(&y);
        for r in 0..D {
            j[r][c] = (a[r] - b[r]) / (2.0 * H);
        }
    }
    j
}

/// Central-difference Jacobian of `f: R^D -> G` at `t`.
fn fd_vg<G: LieGroup<D>, const D: usize>(t: &[f32; D], f: impl Fn(&[f32; D]) -> G) -> Mat<D, D> {
    let y = f(t);
    let mut j = [[0.0f32; D]; D];
    for c in 0..D {
        let (mut tp, mut tm) = (*t, *t);
        tp[c] += H;
        tm[c] -= H;
        let a = f(&tp).rminus(&y);
        let b = f(&tm).rminus(&y);
        for r in 0..D {
            j[r][c] = (a[r] - b[r]) / (2.0 * H);
        }
    }
    j
}

/// Central-difference right Jacobian of `f: G -> R^P` at `x`.
fn fd_gv<G: LieGroup<D>, const D: usize, const P: usize>(
    x: &G,
    f: impl Fn(&G) -> [f32; P],
) -> Mat<P, D> {
    let mut j = [[0.0f32; D]; P];
    for c in 0..D {
        let a = f(&x.rplus(unit(c, H)));
        let b = f(&x.rplus(unit(c, -H)));
        for r in 0..P {
            j[r][c] = (a[r] - b[r]) / (2.0 * H);
        }
    }
    j
}

/// Central-difference Jacobian of `f: R^P -> R^Q`.
fn fd_vv<const P: usize, const Q: usize>(
    p: &[f32; P],
    f: impl Fn(&[f32; P]) -> [f32; Q],
) -> Mat<Q, P> {
    let mut j = [[0.0f32; P]; Q];
    for c in 0..P {
        let (mut a, mut b) = (*p, *p);
        a[c] += H;
        b[c] -= H;
        let (fa, fb) = (f(&a), f(&b));
        for r in 0..Q {
            j[r][c] = (fa[r] - fb[r]) / (2.0 * H);
        }
    }
    j
}

#[derive(Default, Debug)]
struct Worst {
    alg: f32,
    fd: f32,
    fd_name: &'static str,
}

impl Worst {
    fn alg(&mut self, e: f32) {
        self.alg = self.alg.max(e);
    }
    fn fd<const R: usize, const C: usize>(
        &mut self,
        name: &'static str,
        a: &Mat<R, C>,
        b: &Mat<R, C>,
    ) {
        let big = a.iter().flatten().fold(1.0f32, |m, v| m.max(v.abs()));
        let e = mat::max_abs_diff(a, b) / big;
        if e > self.fd || !e.is_finite() {
            self.fd = e;
            self.fd_name = name;
        }
    }
}

fn check_pair<G, const D: usize, const P: usize>(
    x: &G,
    y: &G,
    t: &[f32; D],
    p: &[f32; P],
    rot: &[usize],
    w: &mut Worst,
) where
    G: LieGroup<D> + Action<D, P>,
{
    // exp/log round trips.
    w.alg(
        G::exp(x.log())
            .rminus(x)
            .iter()
            .map(|v| v.abs())
            .fold(0.0, f32::max),
    );
    w.alg(vec_diff(&G::exp(*t).log(), t));
    // X X^-1 = I, X (+) 0 = X.
    w.alg(vec_diff(&x.compose(&x.inverse()).log(), &[0.0; D]));
    w.alg(vec_diff(&x.rplus([0.0; D]).rminus(x), &[0.0; D]));
    // rplus/rminus and lplus/lminus invert each other.
    w.alg(vec_diff(&x.rplus(y.rminus(x)).rminus(y), &[0.0; D]));
    w.alg(vec_diff(&x.lplus(y.lminus(x)).rminus(y), &[0.0; D]));
    // Adj(X) Adj(Y) = Adj(XY); Adj(X) t = Log(X Exp(t) X^-1).
    w.alg(mat::max_abs_diff(
        &mat::mul(&x.adjoint(), &y.adjoint()),
        &x.compose(y).adjoint(),
    ));
    let conj = x.compose(&G::exp(*t)).compose(&x.inverse()).log();
    w.alg(vec_diff(&mat::mul_vec(&x.adjoint(), t), &conj));
    // Jl = Adj(Exp t) Jr; Jl(t) = Jr(-t); Jr Jr^-1 = I, Jl Jl^-1 = I.
    let jr = G::jr(*t);
    let jl = G::jl(*t);
    w.alg(mat::max_abs_diff(
        &jl,
        &mat::mul(&G::exp(*t).adjoint(), &jr),
    ));
    w.alg(mat::max_abs_diff(&jl, &G::jr(mat::neg_vec(t))));
    w.alg(mat::max_abs_diff(
        &mat::mul(&jr, &G::jr_inv(*t)),
        &mat::identity(),
    ));
    w.alg(mat::max_abs_diff(
        &mat::mul(&jl, &G::jl_inv(*t)),
        &mat::identity(),
    ));

    // Jacobians against finite differences.
    w.fd("exp", &G::exp_jac(*t).1, &fd_vg(t, |v| G::exp(*v)));
    let (lt, jlog) = x.log_jac();
    let fd_log = fd_gv(x, |g| g.log());
    let _ = lt;
    w.fd("log", &jlog, &fd_log);
    let (_, jx, jy) = x.compose_jac(y);
    w.fd("compose/X", &jx, &fd_gg(x, |g| g.compose(y)));
    w.fd("compose/Y", &jy, &fd_gg(y, |g| x.compose(g)));
    w.fd("inverse", &x.inverse_jac().1, &fd_gg(x, |g| g.inverse()));
    let (_, bx, by) = x.between_jac(y);
    w.fd("between/X", &bx, &fd_gg(x, |g| g.between(y)));
    w.fd("between/Y", &by, &fd_gg(y, |g| x.between(g)));
    let (_, px, pt) = x.rplus_jac(*t);
    w.fd("rplus/X", &px, &fd_gg(x, |g| g.rplus(*t)));
    w.fd("rplus/t", &pt, &fd_vg(t, |v| x.rplus(*v)));
    let (_, lx, lt) = x.lplus_jac(*t);
    w.fd("lplus/X", &lx, &fd_gg(x, |g| g.lplus(*t)));
    w.fd("lplus/t", &lt, &fd_vg(t, |v| x.lplus(*v)));
    // `Log` jumps at an angle of pi: differentiate `Y (-) X` only where `X^-1 Y` turns by less
    // than 3 rad, so the +-H probes stay on one branch.
    let (d, my, mx) = y.rminus_jac(x);
    if rot.iter().map(|&i| d[i] * d[i]).sum::<f32>().sqrt() < 3.0 {
        w.fd("rminus/Y", &my, &fd_gv(y, |g| g.rminus(x)));
        w.fd("rminus/X", &mx, &fd_gv(x, |g| y.rminus(g)));
    }
    let (_, ax, ap) = x.act_jac(*p);
    w.fd("act/X", &ax, &fd_gv(x, |g| g.act_on(*p)));
    w.fd("act/p", &ap, &fd_vv(p, |q| x.act_on(*q)));
}

fn check_group<G, const D: usize, const P: usize>(name: &str, rot: &[usize])
where
    G: LieGroup<D> + Action<D, P> + core::fmt::Debug,
{
    let mut rng = Rng(0x9e37_79b9 ^ (D as u32 * 7919));
    let mut worst = [Worst::default(), Worst::default(), Worst::default()];
    for (class, (scale, n)) in [(0.0f32, 1usize), (1e-4, 50), (1.0, 300)]
        .iter()
        .enumerate()
    {
        for _ in 0..*n {
            let mut tx: [f32; D] = rng.tangent(rot, 2.5);
            let mut ty: [f32; D] = rng.tangent(rot, 2.5);
            let mut t: [f32; D] = rng.tangent(rot, 2.5);
            for v in tx.iter_mut().chain(ty.iter_mut()).chain(t.iter_mut()) {
                *v *= scale;
            }
            if class == 0 {
                // The identity itself, with tangent 0.
                tx = [0.0; D];
                ty = [0.0; D];
                t = [0.0; D];
            }
            let mut p = [0.0f32; P];
            for v in p.iter_mut() {
                *v = 2.0 * rng.next();
            }
            let (x, y) = (G::exp(tx), G::exp(ty));
            check_pair::<G, D, P>(&x, &y, &t, &p, rot, &mut worst[class]);
        }
    }
    for (class, w) in ["identity", "near identity", "random"].iter().zip(&worst) {
        println!(
            "{name} {class}: algebra worst {:.2e}, Jacobian vs FD worst (relative) {:.2e} ({})",
            w.alg, w.fd, w.fd_name
        );
        assert!(
            w.alg <= ALG_TOL,
            "{name} {class}: algebraic identity off by {}",
            w.alg
        );
        assert!(
            w.fd <= FD_TOL,
            "{name} {class}: Jacobian {} off by {}",
            w.fd_name,
            w.fd
        );
    }

    // 10,000 chained right-plus updates with small random steps stay on the manifold, without
    // renormalizing (f32 rounding drift), and exactly after `normalize`.
    let mut x = G::identity();
    let mut drift = 0.0f32;
    for _ in 0..10_000 {
        let mut step: [f32; D] = rng.tangent(rot, 0.05);
        for v in step.iter_mut() {
            *v *= 0.01;
        }
        x = x.rplus(step);
        drift = drift.max(x.manifold_error());
    }
    let after = x.normalize().manifold_error();
    println!("{name} chain of 10000: drift {drift:.2e}, after normalize {after:.2e}");
    assert!(
        drift < 1e-4,
        "{name}: chained updates drift off the manifold by {drift}"
    );
    assert!(after < 2e-6, "{name}: normalize leaves {after}");
}

#[test]
fn so2_matrix() {
    check_group::<So2, 1, 2>("SO(2)", &[0]);
}

#[test]
fn se2_matrix() {
    check_group::<Se2, 3, 2>("SE(2)", &[2]);
}

#[test]
fn so3_matrix() {
    check_group::<So3, 3, 3>("SO(3)", &[0, 1, 2]);
}

#[test]
fn se3_matrix() {
    check_group::<Se3, 6, 3>("SE(3)", &[3, 4, 5]);
}

#[test]
fn se23_matrix() {
    check_group::<Se23, 9, 3>("SE_2(3)", &[3, 4, 5]);
}
