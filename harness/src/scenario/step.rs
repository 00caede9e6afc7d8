//! Steps written as plain `async fn`s and handed over without `Box::pin`: the adapter traits
//! that let a function whose future borrows the VU (and its context) stand where a boxing
//! closure stood.
//!
//! A bound `F: Fn(&mut Vu, &C) -> Fut` cannot say that `Fut` borrows the arguments: `Fut` would
//! be one type for every lifetime. [`Step`] names the future per lifetime instead, and
//! `for<'a> Step<'a, C, O>` is met by every `async fn(&mut Vu, &C) -> O` whose future is `Send`.
//! Closures cannot meet it (Rust cannot infer a closure's signature from such a bound); they keep
//! boxing, through [`Scenario::new`](super::Scenario::new) and
//! [`Scenario::with_data`](super::Scenario::with_data).

use std::future::Future;

use futures::future::BoxFuture;

use crate::BoxError;
use crate::engine::Vu;

/// An `async fn(&mut Vu, &C) -> O`: a step of a [`Mix`](super::Mix), or an iteration handed the
/// test's setup value. Implemented for every such function; you never implement it.
pub trait Step<'a, C: ?Sized + 'a, O>: Send + Sync {
    /// The step's future: it borrows the VU and the context for `'a`.
    type Future: Future<Output = O> + Send + 'a;

    /// Starts the step.
    fn call(&self, vu: &'a mut Vu, cx: &'a C) -> Self::Future;
}

impl<'a, C, O, F, Fut> Step<'a, C, O> for F
where
    C: ?Sized + 'a,
    F: Fn(&'a mut Vu, &'a C) -> Fut + Send + Sync,
    Fut: Future<Output = O> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, vu: &'a mut Vu, cx: &'a C) -> Fut {
        self(vu, cx)
    }
}

/// An `async fn(&mut Vu) -> O`: an iteration that needs no setup value.
pub trait VuStep<'a, O>: Send + Sync {
    /// The step's future: it borrows the VU for `'a`.
    type Future: Future<Output = O> + Send + 'a;

    /// Starts the step.
    fn call(&self, vu: &'a mut Vu) -> Self::Future;
}

impl<'a, O, F, Fut> VuStep<'a, O> for F
where
    F: Fn(&'a mut Vu) -> Fut + Send + Sync,
    Fut: Future<Output = O> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, vu: &'a mut Vu) -> Fut {
        self(vu)
    }
}

/// The form of an iteration that takes the setup value: `async fn(&mut Vu, &D)`.
#[derive(Debug)]
pub enum WithData {}

/// The form of an iteration that takes only the VU: `async fn(&mut Vu)`.
#[derive(Debug)]
pub enum VuOnly {}

/// What [`Scenario::from_fn`](super::Scenario::from_fn) accepts: an iteration written as
/// `async fn(&mut Vu) -> Result<(), BoxError>` or `async fn(&mut Vu, &D) -> Result<(), BoxError>`.
/// `M` ([`VuOnly`] or [`WithData`]) tells the two forms apart and is inferred.
pub trait Iteration<D, M>: Send + Sync + 'static {
    /// Starts one iteration, its future boxed: the one allocation an iteration costs, as for a
    /// closure that boxes its own.
    fn start<'a>(&self, vu: &'a mut Vu, data: &'a D) -> BoxFuture<'a, Result<(), BoxError>>;
}

impl<D, F> Iteration<D, WithData> for F
where
    F: for<'a> Step<'a, D, Result<(), BoxError>> + 'static,
{
    fn start<'a>(&self, vu: &'a mut Vu, data: &'a D) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.call(vu, data))
    }
}

impl<D, F> Iteration<D, VuOnly> for F
where
    F: for<'a> VuStep<'a, Result<(), BoxError>> + 'static,
{
    fn start<'a>(&self, vu: &'a mut Vu, _: &'a D) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.call(vu))
    }
}
