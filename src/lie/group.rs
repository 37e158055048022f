//! The group interface shared by every Lie group here, in the conventions of micro Lie theory
//! (Sola, Deray, Atchuthan, "A micro Lie theory for state estimation in robotics", 2018).
//!
//! * `exp`/`log` are the capitalized maps between the group and its tangent vectors
//!   `t` in `R^D` (the paper's `Exp`/`Log`).
//! * Right plus `X (+) t = X Exp(t)` (perturbation in the local frame), right minus
//!   `Y (-) X = Log(X^-1 Y)`; left plus `Exp(t) X`, left minus `Log(Y X^-1)`.
//! * Every Jacobian is a *right* Jacobian on the group side: `J = d f(X) / d X` means
//!   `f(X (+) t) = f(X) (+) J t + o(|t|)`. `jr`/`jl` are the right/left Jacobians of `Exp`.
//! * Operations that have Jacobians come in pairs: `compose` and `compose_jac` (value and both
//!   Jacobians), and so on; an estimator calls the `_jac` form only where it needs the
//!   derivatives.
//!
//! A group implements the handful of required methods (identity, compose, inverse, exp, log,
//! adjoint, jr, jr_inv, normalize, manifold_error); everything else is derived here from the
//! identities of the paper (`Jl(t) = Jr(-t)`, `J^{X^-1}_X = -Adj(X)`, ...), so it is written once.

use super::mat::{self, Mat};

/// A matrix Lie group of `D` degrees of freedom with `f32` elements.
pub trait LieGroup<const D: usize>: Copy + Sized {
    /// The identity element.
    fn identity() -> Self;
    /// `self * other`.
    fn compose(&self, other: &Self) -> Self;
    /// `self^-1`.
    fn inverse(&self) -> Self;
    /// `Exp(t)`.
    fn exp(t: [f32; D]) -> Self;
    /// `Log(self)` (the principal branch: rotation angles in `[0, pi]`).
    fn log(&self) -> [f32; D];
    /// The Adjoint matrix: `Adj(X) t = Log(X Exp(t) X^-1)`.
    fn adjoint(&self) -> Mat<D, D>;
    /// Right Jacobian of `Exp` at `t`.
    fn jr(t: [f32; D]) -> Mat<D, D>;
    /// Inverse of [`LieGroup::jr`] (closed form, not a numeric inversion).
    fn jr_inv(t: [f32; D]) -> Mat<D, D>;
    /// The nearest element exactly on the manifold (re-orthonormalizes the rotation part);
    /// call it now and then on long chains of compositions.
    fn normalize(&self) -> Self;
    /// How far the stored representation is from the manifold (largest entry of `R^T R - I`,
    /// or `| |z| - 1 |` for unit complex numbers); 0 for an exact element.
    fn manifold_error(&self) -> f32;

    /// Left Jacobian of `Exp`: `Jl(t) = Jr(-t)`.
    fn jl(t: [f32; D]) -> Mat<D, D> {
        Self::jr(mat::neg_vec(&t))
    }
    /// Inverse of the left Jacobian: `Jl^-1(t) = Jr^-1(-t)`.
    fn jl_inv(t: [f32; D]) -> Mat<D, D> {
        Self::jr_inv(mat::neg_vec(&t))
    }
    /// `Exp(t)` and its right Jacobian `Jr(t)`.
    fn exp_jac(t: [f32; D]) -> (Self, Mat<D, D>) {
        (Self::exp(t), Self::jr(t))
    }
    /// `Log(X)` and its Jacobian `Jr^-1(Log X)`.
    fn log_jac(&self) -> ([f32; D], Mat<D, D>) {
        let t = self.log();
        (t, Self::jr_inv(t))
    }
    /// `X Y` and its Jacobians `(Adj(Y)^-1, I)`.
    fn compose_jac(&self, other: &Self) -> (Self, Mat<D, D>, Mat<D, D>) {
        (
            self.compose(other),
            other.inverse().adjoint(),
            mat::identity::<D>(),
        )
    }
    /// `X^-1` and its Jacobian `-Adj(X)`.
    fn inverse_jac(&self) -> (Self, Mat<D, D>) {
        (self.inverse(), mat::scale(&self.adjoint(), -1.0))
    }
    /// `X^-1 Y`.
    fn between(&self, other: &Self) -> Self {
        self.inverse().compose(other)
    }
    /// `Z = X^-1 Y` and its Jacobians `(-Adj(Z^-1), I)`.
    fn between_jac(&self, other: &Self) -> (Self, Mat<D, D>, Mat<D, D>) {
        let z = self.between(other);
        (
            z,
            mat::scale(&z.inverse().adjoint(), -1.0),
            mat::identity::<D>(),
        )
    }
    /// Right plus `X Exp(t)`.
    fn rplus(&self, t: [f32; D]) -> Self {
        self.compose(&Self::exp(t))
    }
    /// Right plus and its Jacobians `(Adj(Exp(t))^-1, Jr(t))`.
    fn rplus_jac(&self, t: [f32; D]) -> (Self, Mat<D, D>, Mat<D, D>) {
        let e = Self::exp(t);
        (self.compose(&e), e.inverse().adjoint(), Self::jr(t))
    }
    /// Left plus `Exp(t) X`.
    fn lplus(&self, t: [f32; D]) -> Self {
        Self::exp(t).compose(self)
    }
    /// Left plus and its (right) Jacobians: `d/dX = I`, `d/dt = Adj(X^-1) Jr(t)`.
    fn lplus_jac(&self, t: [f32; D]) -> (Self, Mat<D, D>, Mat<D, D>) {
        (
            self.lplus(t),
            mat::identity::<D>(),
            mat::mul(&self.inverse().adjoint(), &Self::jr(t)),
        )
    }
    /// Right minus `Y (-) X = Log(X^-1 Y)` (`self` is `Y`).
    fn rminus(&self, x: &Self) -> [f32; D] {
        x.between(self).log()
    }
    /// Right minus and its Jacobians with respect to `Y` (`Jr^-1(t)`) and `X` (`-Jl^-1(t)`).
    fn rminus_jac(&self, x: &Self) -> ([f32; D], Mat<D, D>, Mat<D, D>) {
        let t = self.rminus(x);
        (t, Self::jr_inv(t), mat::scale(&Self::jl_inv(t), -1.0))
    }
    /// Left minus `Log(Y X^-1)` (`self` is `Y`).
    fn lminus(&self, x: &Self) -> [f32; D] {
        self.compose(&x.inverse()).log()
    }
}

/// A group acting on points of dimension `P` (rotation, or rotation plus translation).
pub trait Action<const D: usize, const P: usize>: LieGroup<D> {
    /// `X . p`.
    fn act_on(&self, p: [f32; P]) -> [f32; P];
    /// `X . p` and its Jacobians with respect to `X` (`P x D`) and `p` (`P x P`).
    fn act_jac(&self, p: [f32; P]) -> ([f32; P], Mat<P, D>, Mat<P, P>);
}
