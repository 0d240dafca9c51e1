//! `getimages check`, the live self-check: each provider's example profile looked up on the
//! live platform, one at a time and uncached, so a deployer learns that a platform changed
//! (or blocks them) before a visitor does.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::budget::{self, MemoryBudget};
use crate::configuration::{CheckArgs, Settings};
use crate::lookup::{LookupError, Platforms, Profile, ProfileQuery};
use crate::machine::Machine;
use crate::providers::{self, Provider};
use crate::startup::{self, StartError};

/// What one provider's check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The example profile's avatar was found.
    Ok,
    /// The platform refused us (anti-bot page, login wall, rate limit).
    Blocked,
    /// The platform says the example profile does not exist.
    NotFound,
    /// The platform answered, and no avatar could be read from its answer (no picture in
    /// it, or not the page or JSON it serves): its page or API has most likely changed.
    Changed,
    /// No answer: a timeout, no connection, an error status.
    Unreachable,
}

impl Outcome {
    /// What a failed lookup says about the platform.
    fn of(error: &LookupError) -> Self {
        match error {
            LookupError::Blocked(_) => Self::Blocked,
            LookupError::NotFound(_) => Self::NotFound,
            LookupError::NoImage(_) | LookupError::Unreadable(_) => Self::Changed,
            LookupError::Timeout(_)
            | LookupError::Upstream(_)
            | LookupError::Forbidden(_)
            | LookupError::Busy(_)
            | LookupError::Input(_) => Self::Unreachable,
        }
    }

    /// The outcome as a report line writes it (`not found`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Blocked => "blocked",
            Self::NotFound => "not found",
            Self::Changed => "changed",
            Self::Unreachable => "unreachable",
        }
    }
}

/// One provider's result, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The provider's id.
    pub provider: &'static str,
    /// The example handle looked up.
    pub handle: String,
    /// What the check found.
    pub outcome: Outcome,
    /// The way of asking that found the profile (`api`, `page`, `intent`, …), when found.
    pub strategy: Option<String>,
    /// How long the lookup took, in milliseconds.
    pub ms: u64,
    /// The avatar's URL, when found.
    pub avatar: Option<String>,
    /// Why the check is not ok, as a visitor would read it.
    pub message: Option<String>,
}

impl Report {
    /// The report line for a provider: a lookup's profile, or its error.
    fn new(
        provider: &'static Provider,
        handle: &str,
        ms: u64,
        answer: Result<Profile, LookupError>,
    ) -> Self {
        let (outcome, strategy, avatar, message) = match answer {
            Ok(profile) => match profile.avatar() {
                Some(avatar) => (
                    Outcome::Ok,
                    Some(profile.strategy.clone()),
                    Some(avatar.to_owned()),
                    None,
                ),
                None => (
                    Outcome::Changed,
                    Some(profile.strategy.clone()),
                    None,
                    Some(format!(
                        "{} {handle} was found with no avatar.",
                        provider.name
                    )),
                ),
            },
            Err(e) => (Outcome::of(&e), None, None, Some(e.to_string())),
        };
        Self {
            provider: provider.id,
            handle: handle.to_owned(),
            outcome,
            strategy,
            ms,
            avatar,
            message,
        }
    }

    /// One aligned line: provider, outcome, strategy, time, then the avatar or the reason.
    fn line(&self) -> String {
        let detail = self
            .avatar
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("");
        format!(
            "{:<14} {:<12} {:<17} {:>6} ms  {detail}",
            self.provider,
            self.outcome.label(),
            self.strategy.as_deref().unwrap_or("-"),
            self.ms,
        )
    }
}

/// Checks `args.providers` (every platform when none is named) one after another with the
/// server's `settings`, printing a line as each finishes (or, with `--json`, an array at the
/// end). Returns whether every one was ok.
pub async fn run(settings: &Settings, args: &CheckArgs) -> Result<bool, StartError> {
    let guard = settings.test_hooks.guard();
    let fetcher = Arc::new(startup::fetcher(settings, guard.clone())?);
    let platforms = Platforms::new(
        fetcher,
        guard,
        settings.lookups.lookup_timeout,
        settings.lookups.check_images,
        usize::from(settings.lookups.max_outbound_lookups),
        MemoryBudget::new(
            settings.memory_split(Machine::read().memory_limit).budget,
            budget::ADMISSION_WAIT,
        ),
    );
    let mut reports = Vec::new();
    for provider in chosen(&args.providers) {
        let report = check(&platforms, provider).await;
        if !args.json {
            print_line(&report.line());
        }
        reports.push(report);
    }
    if args.json {
        let mut out = io::stdout().lock();
        // Writing to a closed stdout is not worth a panic.
        let _ = serde_json::to_writer_pretty(&mut out, &reports)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out));
    }
    let ok = reports.iter().filter(|r| r.outcome == Outcome::Ok).count();
    if !args.json {
        eprintln!("{ok} of {} providers ok", reports.len());
    }
    Ok(ok == reports.len())
}

/// The providers named, in order and each once, or every platform (not the generic page
/// reader) when none is.
fn chosen(named: &[&'static Provider]) -> Vec<&'static Provider> {
    if named.is_empty() {
        return providers::ALL
            .iter()
            .copied()
            .filter(|p| !p.is_generic())
            .collect();
    }
    let mut out: Vec<&'static Provider> = Vec::new();
    for provider in named {
        if !out.contains(provider) {
            out.push(provider);
        }
    }
    out
}

/// Looks `provider`'s example up on the platform, uncached.
async fn check(platforms: &Platforms, provider: &'static Provider) -> Report {
    let started = Instant::now();
    let (handle, answer) = match ProfileQuery::parse(provider.example, Some(provider.id)) {
        Ok(query) => (query.handle.clone(), platforms.ask(&query).await),
        Err(e) => (provider.example.to_owned(), Err(e)),
    };
    Report::new(
        provider,
        &handle,
        started.elapsed().as_millis() as u64,
        answer,
    )
}

/// Writes `line` to stdout at once (a slow check shows its progress); a closed stdout is not
/// worth a panic.
fn print_line(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_an_outcome() {
        let says = |e: LookupError| Outcome::of(&e);
        assert_eq!(says(LookupError::Blocked("b".into())), Outcome::Blocked);
        assert_eq!(says(LookupError::NotFound("n".into())), Outcome::NotFound);
        assert_eq!(says(LookupError::NoImage("i".into())), Outcome::Changed);
        assert_eq!(says(LookupError::Unreadable("r".into())), Outcome::Changed);
        assert_eq!(says(LookupError::Timeout("t".into())), Outcome::Unreachable);
        assert_eq!(
            says(LookupError::Upstream("u".into())),
            Outcome::Unreachable
        );
    }

    #[test]
    fn named_providers_are_checked_once_in_order() {
        let by = |id| providers::by_id(id).unwrap();
        let ids: Vec<&str> = chosen(&[by("x"), by("github"), by("twitter")])
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["x", "github"]);
        assert!(chosen(&[]).iter().all(|p| !p.is_generic()));
        assert_eq!(chosen(&[]).len(), providers::ALL.len() - 1);
    }
}
