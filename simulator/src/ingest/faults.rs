//! Fault injection: which ingestion requests are throttled, fail, or lose
//! their connection, and how long each one waits first.
//!
//! Every `POST` to an ingestion path takes exactly one decision, in arrival
//! order, from a ChaCha8 stream seeded with [`Faults::seed`]: so `N` requests
//! sent one after another get the same outcomes for the same seed. (Requests
//! sent concurrently get the same *multiset* of outcomes, but which request
//! gets which depends on arrival order.) A decision is one uniform draw `u`
//! in `[0,1)`: `u < throttle` gives 429, the next `server_error` of the unit
//! interval 500, the next `unavailable` 503, the next `drop` a dropped
//! connection, the rest is served normally. A second draw picks the latency
//! (only for [`Latency::Range`]). Faulted requests store nothing.

use std::fmt;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Added latency before a request is handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    #[default]
    None,
    /// Always this many milliseconds.
    Fixed(u64),
    /// Uniform in `[lo, hi]` milliseconds (inclusive).
    Range(u64, u64),
}

/// Longest latency accepted, milliseconds.
pub const MAX_LATENCY_MS: u64 = 600_000;

impl Latency {
    /// Parses the `--latency-ms` syntax: `50` or `20..200`.
    pub fn parse(s: &str) -> Result<Latency, String> {
        let num = |t: &str| {
            t.trim()
                .parse::<u64>()
                .map_err(|_| format!("'{t}' is not a whole number of milliseconds"))
        };
        let l = match s.split_once("..") {
            None => Latency::Fixed(num(s)?),
            Some((a, b)) => Latency::Range(num(a)?, num(b)?),
        };
        l.check()?;
        Ok(match l {
            Latency::Fixed(0) | Latency::Range(0, 0) => Latency::None,
            other => other,
        })
    }

    fn check(&self) -> Result<(), String> {
        match *self {
            Latency::None => Ok(()),
            Latency::Fixed(ms) | Latency::Range(_, ms) if ms > MAX_LATENCY_MS => {
                Err(format!("latency must be at most {MAX_LATENCY_MS} ms"))
            }
            Latency::Range(lo, hi) if lo > hi => Err(format!(
                "range start {lo} is greater than its end {hi} (write LOW..HIGH)"
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::None => write!(f, "none"),
            Latency::Fixed(ms) => write!(f, "{ms} ms"),
            Latency::Range(lo, hi) => write!(f, "{lo}..{hi} ms"),
        }
    }
}

/// What to inject. `Faults::default()` injects nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Faults {
    /// Fraction of requests answered 429 with `Retry-After`.
    pub throttle: f64,
    /// `Retry-After` seconds sent with the injected 429s.
    pub retry_after_secs: u64,
    /// Fraction answered 500.
    pub server_error: f64,
    /// Fraction answered 503.
    pub unavailable: f64,
    /// Fraction whose connection is closed without a response (after the
    /// body was read).
    pub drop: f64,
    pub latency: Latency,
    /// Seed of the decisions; `None` picks one at random (reported in
    /// the stats).
    pub seed: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle: 0.0,
            retry_after_secs: 1,
            server_error: 0.0,
            unavailable: 0.0,
            drop: 0.0,
            latency: Latency::None,
            seed: None,
        }
    }
}

/// An invalid [`Faults`] value; names the CLI flag, the value and the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid value '{value}' for '{flag}': {rule}")]
pub struct FaultError {
    pub flag: &'static str,
    pub value: String,
    pub rule: String,
}

impl Faults {
    /// Checks fractions (each in `[0,1]`, their sum at most 1), latency and
    /// `Retry-After`.
    pub fn validate(&self) -> Result<(), FaultError> {
        let fractions = [
            ("--fault-429", self.throttle),
            ("--fault-500", self.server_error),
            ("--fault-503", self.unavailable),
            ("--drop", self.drop),
        ];
        for (flag, v) in fractions {
            if !(0.0..=1.0).contains(&v) {
                return Err(FaultError {
                    flag,
                    value: v.to_string(),
                    rule: "must be a fraction between 0 and 1".into(),
                });
            }
        }
        let sum: f64 = fractions.iter().map(|(_, v)| v).sum();
        if sum > 1.0 + 1e-9 {
            let terms: Vec<String> = fractions
                .iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(f, v)| format!("{f} {v}"))
                .collect();
            return Err(FaultError {
                flag: "the fault fractions",
                value: format!("{} = {sum}", terms.join(" + ")),
                rule: "they must add up to at most 1".into(),
            });
        }
        self.latency.check().map_err(|rule| FaultError {
            flag: "--latency-ms",
            value: self.latency.to_string(),
            rule,
        })?;
        if self.retry_after_secs > 3600 {
            return Err(FaultError {
                flag: "--retry-after",
                value: self.retry_after_secs.to_string(),
                rule: "must be at most 3600 seconds".into(),
            });
        }
        Ok(())
    }

    /// Whether anything at all is injected.
    pub fn any(&self) -> bool {
        self.throttle + self.server_error + self.unavailable + self.drop > 0.0
            || self.latency != Latency::None
    }
}

/// The fate of one ingestion request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Handled normally (which may still be an error of the request itself).
    Serve,
    Throttle,
    ServerError,
    Unavailable,
    Drop,
}

/// The decision sequence of one server.
#[derive(Debug)]
pub struct Decider {
    faults: Faults,
    seed: u64,
    rng: ChaCha8Rng,
}

impl Decider {
    pub fn new(faults: Faults) -> Self {
        let seed = faults.seed.unwrap_or_else(|| rand::rng().random());
        Decider {
            faults,
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The next request's latency and outcome (always two draws, so the
    /// sequence does not depend on the latency setting).
    pub fn decide(&mut self) -> (Duration, Outcome) {
        let u: f64 = self.rng.random();
        let l: u64 = self.rng.random();
        let f = &self.faults;
        let t1 = f.throttle;
        let t2 = t1 + f.server_error;
        let t3 = t2 + f.unavailable;
        let t4 = t3 + f.drop;
        let outcome = if u < t1 {
            Outcome::Throttle
        } else if u < t2 {
            Outcome::ServerError
        } else if u < t3 {
            Outcome::Unavailable
        } else if u < t4 {
            Outcome::Drop
        } else {
            Outcome::Serve
        };
        let ms = match f.latency {
            Latency::None => 0,
            Latency::Fixed(ms) => ms,
            Latency::Range(lo, hi) => lo + l % (hi - lo + 1),
        };
        (Duration::from_millis(ms), outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_syntax() {
        assert_eq!(Latency::parse("50"), Ok(Latency::Fixed(50)));
        assert_eq!(Latency::parse("20..200"), Ok(Latency::Range(20, 200)));
        assert_eq!(Latency::parse("0"), Ok(Latency::None));
        assert!(Latency::parse("200..20").unwrap_err().contains("greater"));
        assert!(Latency::parse("fast").unwrap_err().contains("'fast'"));
        assert!(Latency::parse("9999999").is_err());
    }

    #[test]
    fn validation_names_the_flag() {
        let f = Faults {
            server_error: 1.5,
            ..Faults::default()
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.flag, "--fault-500");
        assert_eq!(
            e.to_string(),
            "invalid value '1.5' for '--fault-500': must be a fraction between 0 and 1"
        );
        let f = Faults {
            throttle: 0.6,
            drop: 0.6,
            ..Faults::default()
        };
        assert_eq!(
            f.validate().unwrap_err().to_string(),
            "invalid value '--fault-429 0.6 + --drop 0.6 = 1.2' for 'the fault fractions': \
             they must add up to at most 1"
        );
        assert!(Faults::default().validate().is_ok());
        assert!(!Faults::default().any());
    }

    #[test]
    fn decisions_are_deterministic_and_proportional() {
        let f = Faults {
            throttle: 0.1,
            server_error: 0.05,
            unavailable: 0.05,
            drop: 0.1,
            latency: Latency::Range(10, 20),
            seed: Some(42),
            ..Faults::default()
        };
        let run = || {
            let mut d = Decider::new(f.clone());
            (0..10_000).map(|_| d.decide()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let count = |o| a.iter().filter(|(_, x)| *x == o).count() as f64 / 10_000.0;
        assert!((count(Outcome::Throttle) - 0.1).abs() < 0.02);
        assert!((count(Outcome::ServerError) - 0.05).abs() < 0.02);
        assert!((count(Outcome::Unavailable) - 0.05).abs() < 0.02);
        assert!((count(Outcome::Drop) - 0.1).abs() < 0.02);
        assert!(a
            .iter()
            .all(|(d, _)| (10..=20).contains(&(d.as_millis() as u64))));
        let mut none = Decider::new(Faults::default());
        assert!((0..1000).all(|_| none.decide() == (Duration::ZERO, Outcome::Serve)));
    }
}
