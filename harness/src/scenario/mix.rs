//! A weighted choice of steps (Goose's weighted transactions, k6's `if (Math.random() < 0.3)`):
//! weights declared beside the `async fn`s they choose, drawn with the VU's seeded generator.
//!
//! A mix's type holds its steps, so running the one drawn is a direct call: no boxed future and
//! no allocation per draw. Its weights are checked as it is built — every weight above zero, the
//! total within `u32` — and a mix declared in a `const` block is built by the compiler, so a
//! wrong weight is a compile error, long before any load.

use std::future::Future;

use futures::future::Either;
use rand::Rng;

use super::step::Step;
use crate::engine::Vu;

/// Steps with weights: each [`Mix::run`] draws one, with probability weight ÷ total, and runs it.
///
/// Every step of a mix is an `async fn(&mut Vu, &C) -> O` with the same context `C` and output
/// `O`. Declare the mix in a `const` block where it is used: its weights are then checked when
/// the code compiles.
///
/// ```no_run
/// # use harness::prelude::*;
/// async fn browse(vu: &mut Vu, _: &()) -> Result<(), BoxError> {
///     vu.get("/agents").name("GET /agents").send().await;
///     Ok(())
/// }
/// async fn buy(vu: &mut Vu, _: &()) -> Result<(), BoxError> {
///     vu.post("/orders").name("POST /orders").send().await;
///     Ok(())
/// }
/// async fn shop(vu: &mut Vu) -> Result<(), BoxError> {
///     // 90 % browse, 10 % buy.
///     let visit = const { Mix::new().with(90, browse).with(10, buy) };
///     visit.run(vu, &()).await
/// }
/// let s: Scenario = Scenario::from_fn("shop", ConstantVus::new(5, secs(30)), shop);
/// ```
///
/// A weight of zero is refused (such a step would never run: leave it out), in a `const` block
/// as a compile error:
///
/// ```compile_fail
/// # use harness::prelude::*;
/// # async fn browse(_: &mut Vu, _: &()) {}
/// # async fn buy(_: &mut Vu, _: &()) {}
/// let visit = const { Mix::new().with(90, browse).with(0, buy) };
/// ```
///
/// and a mix without steps cannot run:
///
/// ```compile_fail
/// # use harness::prelude::*;
/// # async fn go(vu: &mut Vu) { let _ = Mix::new().run(vu, &()).await; }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Mix<S> {
    total: u32,
    steps: S,
}

/// The steps of an empty [`Mix`]: where every mix starts.
#[derive(Debug, Clone, Copy)]
pub struct NoSteps;

/// A step of a [`Mix`] after those declared before it (its type's shape; never named).
#[derive(Debug, Clone, Copy)]
pub struct Then<F, S> {
    step: F,
    /// The steps declared before this one: their total is where this step's share begins.
    before: Mix<S>,
}

impl Mix<NoSteps> {
    /// A mix without steps; add them with [`Mix::with`].
    pub const fn new() -> Self {
        Mix {
            total: 0,
            steps: NoSteps,
        }
    }
}

impl Default for Mix<NoSteps> {
    fn default() -> Self {
        Mix::new()
    }
}

impl<S> Mix<S> {
    /// This mix with `step` drawn `weight` times in [`Mix::total`].
    ///
    /// # Panics
    ///
    /// When `weight` is zero, or the weights add up past `u32::MAX` (a compile error in a `const`
    /// block).
    pub const fn with<F>(self, weight: u32, step: F) -> Mix<Then<F, S>> {
        assert!(
            weight > 0,
            "a step of weight 0 would never be drawn: leave it out of the mix"
        );
        let Some(total) = self.total.checked_add(weight) else {
            panic!("the weights of a mix add up past u32::MAX")
        };
        Mix {
            total,
            steps: Then { step, before: self },
        }
    }

    /// The sum of the weights: a step of weight `w` is drawn with probability `w / total`.
    pub const fn total(&self) -> u32 {
        self.total
    }
}

impl<F, S: Shares> Mix<Then<F, S>> {
    /// Draws a step with the VU's generator and runs it: `async fn(&mut Vu, &C) -> O`.
    pub fn run<'a, C, O>(&self, vu: &'a mut Vu, cx: &'a C) -> <Then<F, S> as Draw<'a, C, O>>::Future
    where
        C: ?Sized + 'a,
        Then<F, S>: Draw<'a, C, O>,
    {
        let at = vu.rng().random_range(0..self.total);
        self.steps.start(at, vu, cx)
    }

    /// Draws a step as [`Mix::run`] does, without running it: its position, from 0, in the
    /// order the steps were declared.
    pub fn pick(&self, rng: &mut impl Rng) -> usize {
        self.steps.position(rng.random_range(0..self.total))
    }
}

/// Where each step's share of the total lies: the first declared holds `0..w₁`, the next
/// `w₁..w₁+w₂`, and so on.
pub trait Shares {
    /// How many steps.
    const LEN: usize;

    /// The position (in declaration order) of the step whose share holds `at`.
    fn position(&self, at: u32) -> usize;
}

impl Shares for NoSteps {
    const LEN: usize = 0;

    fn position(&self, _: u32) -> usize {
        unreachable!("the first step's share begins at 0, so every draw lands in a share")
    }
}

impl<F, S: Shares> Shares for Then<F, S> {
    const LEN: usize = S::LEN + 1;

    fn position(&self, at: u32) -> usize {
        if at >= self.before.total {
            S::LEN
        } else {
            self.before.steps.position(at)
        }
    }
}

/// Starts the step whose share holds a drawn number; its future is the step's own (one of the
/// mix's, chosen by an [`Either`]), so nothing is boxed.
pub trait Draw<'a, C: ?Sized + 'a, O>: Shares {
    /// The future of whichever step was drawn.
    type Future: Future<Output = O> + Send + 'a;

    /// Starts the step whose share holds `at`.
    fn start(&self, at: u32, vu: &'a mut Vu, cx: &'a C) -> Self::Future;
}

impl<'a, C: ?Sized + 'a, O: 'a> Draw<'a, C, O> for NoSteps {
    type Future = std::future::Pending<O>;

    fn start(&self, _: u32, _: &'a mut Vu, _: &'a C) -> Self::Future {
        unreachable!("the first step's share begins at 0, so every draw lands in a share")
    }
}

impl<'a, C, O, F, S> Draw<'a, C, O> for Then<F, S>
where
    C: ?Sized + 'a,
    F: Step<'a, C, O>,
    S: Draw<'a, C, O>,
{
    type Future = Either<F::Future, S::Future>;

    fn start(&self, at: u32, vu: &'a mut Vu, cx: &'a C) -> Self::Future {
        if at >= self.before.total {
            Either::Left(self.step.call(vu, cx))
        } else {
            Either::Right(self.before.steps.start(at, vu, cx))
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    /// How often each step of `mix` is drawn in `n` draws from a generator seeded with `seed`.
    fn tally<F, S: Shares>(mix: &Mix<Then<F, S>>, n: u32, seed: u64) -> Vec<u32> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut counts = vec![0; Then::<F, S>::LEN];
        for _ in 0..n {
            counts[mix.pick(&mut rng)] += 1;
        }
        counts
    }

    #[test]
    fn each_step_holds_the_share_of_the_total_its_weight_says_in_declaration_order() {
        // The agents suite's roll: create 30, list 40, update 20, delete 10.
        let mix = Mix::new()
            .with(30, "create")
            .with(40, "list")
            .with(20, "update")
            .with(10, "delete");
        let rows = [
            (0, 0),
            (29, 0),
            (30, 1),
            (69, 1),
            (70, 2),
            (89, 2),
            (90, 3),
            (99, 3),
        ];
        for (at, want) in rows {
            assert_eq!(mix.steps.position(at), want, "a draw of {at}");
        }
        assert_eq!(mix.total(), 100);
    }

    /// The weights given and how often each step was drawn in `N` draws (seed 7).
    macro_rules! draws {
        ($($w:expr),+) => {
            (vec![$($w),+], tally(&Mix::new()$(.with($w, ()))+, N, 7))
        };
    }

    const N: u32 = 100_000;

    #[test]
    fn draws_follow_the_weights_within_half_a_percent_over_a_hundred_thousand_draws() {
        let rows = [
            ("auth: register, log in", draws!(30, 70)),
            (
                "agents: create, list, update, delete",
                draws!(30, 40, 20, 10),
            ),
            (
                "spike: agents, pipelines, metrics, create",
                draws!(50, 30, 15, 5),
            ),
            ("soak: agent, pipeline, monitoring", draws!(1, 1, 1)),
            ("stress: six operations", draws!(1, 1, 1, 1, 1, 1)),
            ("a single step", draws!(5)),
        ];
        for (what, (weights, counts)) in rows {
            let total: u32 = weights.iter().sum();
            assert_eq!(counts.iter().sum::<u32>(), N, "{what}");
            for (i, (w, c)) in weights.iter().zip(&counts).enumerate() {
                let want = f64::from(*w) / f64::from(total);
                let got = f64::from(*c) / f64::from(N);
                assert!(
                    (got - want).abs() < 0.005,
                    "{what}: step {i} drawn {got:.4} of the time, want {want:.4} ({counts:?})"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_steps() {
        let mix = Mix::new().with(30, "a").with(40, "b").with(30, "c");
        assert_eq!(tally(&mix, 1_000, 42), tally(&mix, 1_000, 42));
        let (mut one, mut two) = (SmallRng::seed_from_u64(3), SmallRng::seed_from_u64(3));
        let first: Vec<usize> = (0..50).map(|_| mix.pick(&mut one)).collect();
        let again: Vec<usize> = (0..50).map(|_| mix.pick(&mut two)).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn equal_weights_draw_as_a_uniform_random_range_does() {
        // So a suite that drew `random_range(0..6)` by hand draws the same steps from a mix of six
        // equal weights, with the same seed.
        let six = Mix::new()
            .with(1, "a")
            .with(1, "b")
            .with(1, "c")
            .with(1, "d")
            .with(1, "e")
            .with(1, "f");
        let (mut mix_rng, mut hand_rng) = (SmallRng::seed_from_u64(9), SmallRng::seed_from_u64(9));
        for _ in 0..1_000 {
            assert_eq!(
                six.pick(&mut mix_rng),
                hand_rng.random_range(0..6_u32) as usize
            );
        }
    }

    #[test]
    #[should_panic(expected = "a step of weight 0 would never be drawn")]
    fn a_step_of_weight_zero_is_refused() {
        let _ = Mix::new().with(90, "browse").with(0, "buy");
    }

    #[test]
    #[should_panic(expected = "add up past u32::MAX")]
    fn weights_adding_up_past_u32_max_are_refused() {
        let _ = Mix::new().with(u32::MAX, "a").with(1, "b");
    }
}
