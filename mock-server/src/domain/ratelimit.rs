//! The auth rate limits of the real server: per client IP, per calendar minute, per endpoint.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The three limited endpoints and their budgets per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    Register,
    Login,
    Refresh,
}

impl Limited {
    pub fn per_minute(self) -> u32 {
        match self {
            Limited::Register => 5,
            Limited::Login => 10,
            Limited::Refresh => 30,
        }
    }
}

/// Counts per (client, endpoint) in the current minute; forgets earlier minutes.
#[derive(Debug, Default)]
pub struct RateLimiter {
    minute: u64,
    counts: HashMap<(String, Limited), u32>,
}

impl RateLimiter {
    /// `Ok(())` if the call is within budget, else `Err(seconds until the next minute)`.
    pub fn check(&mut self, client: &str, endpoint: Limited) -> Result<(), u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        self.check_at(client, endpoint, now)
    }

    pub fn check_at(&mut self, client: &str, endpoint: Limited, now_secs: u64) -> Result<(), u64> {
        let minute = now_secs / 60;
        if minute != self.minute {
            self.minute = minute;
            self.counts.clear();
        }
        let n = self
            .counts
            .entry((client.to_string(), endpoint))
            .or_insert(0);
        if *n >= endpoint.per_minute() {
            return Err((60 - now_secs % 60).max(1));
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_reset_at_the_next_calendar_minute() {
        let mut rl = RateLimiter::default();
        for _ in 0..10 {
            rl.check_at("a", Limited::Login, 120).unwrap();
        }
        assert_eq!(rl.check_at("a", Limited::Login, 130), Err(50));
        rl.check_at("b", Limited::Login, 130).unwrap();
        rl.check_at("a", Limited::Register, 130).unwrap();
        rl.check_at("a", Limited::Login, 180).unwrap();
    }
}
