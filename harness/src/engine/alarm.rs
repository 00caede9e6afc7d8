//! A VU's request timeout as one timer kept for its whole life, armed lazily: a request whose
//! deadline is later than the armed one (the usual case: same timeout, later start) leaves
//! the timer alone, and when it goes off early it is moved to the deadline of the request then
//! in flight. A timer is set and cancelled once per timeout period, not once per request; the
//! cost of an early alarm is one spurious wake of the VU.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// One VU's timer.
#[derive(Debug, Default)]
pub(crate) struct Alarm {
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Alarm {
    /// `fut`'s output, or `None` if `limit` passes first.
    pub(crate) async fn within<F: Future>(&mut self, limit: Duration, fut: F) -> Option<F::Output> {
        let deadline = Instant::now() + limit;
        let sleep = match &mut self.sleep {
            Some(s) => {
                // Armed later than this deadline: a shorter timeout than the last one's.
                if s.deadline() > deadline {
                    s.as_mut().reset(deadline);
                }
                s
            }
            None => self
                .sleep
                .insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        let mut fut = std::pin::pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            loop {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                if sleep.deadline() >= deadline {
                    return Poll::Ready(None);
                }
                // An alarm set for an earlier request: on to this one's deadline.
                sleep.as_mut().reset(deadline);
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_request_times_out_at_its_own_deadline_whatever_the_alarm_was_armed_for() {
        let mut alarm = Alarm::default();
        let ms = Duration::from_millis;
        // Arms the alarm at 100 ms from now, and finishes well before it.
        let quick = alarm.within(ms(100), tokio::time::sleep(ms(10))).await;
        assert_eq!(quick, Some(()));
        // A later request with the same limit: the alarm goes off at 100 ms, early for it.
        let started = Instant::now();
        let slow = alarm.within(ms(100), std::future::pending::<()>()).await;
        assert_eq!(slow, None);
        assert_eq!(started.elapsed(), ms(100));
        // A shorter limit than the armed alarm's is honoured.
        let started = Instant::now();
        let _ = alarm.within(ms(1_000), tokio::time::sleep(ms(1))).await;
        let short = alarm.within(ms(5), std::future::pending::<()>()).await;
        assert_eq!(short, None);
        assert_eq!(started.elapsed(), ms(6));
        // And an answer in time is an answer.
        let answered = alarm.within(ms(50), async { 7 }).await;
        assert_eq!(answered, Some(7));
    }
}
