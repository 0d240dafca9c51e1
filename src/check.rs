//! `getimages check`, the live self-check: each provider's example profile looked up on the
//! live platform, one at a time and uncached, through its chain and each way alone, with a
//! handle that cannot exist as a negative control, so a deployer learns that a platform
//! changed (or blocks them) before a visitor does.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::budget::{self, MemoryBudget};
use crate::configuration::{CheckArgs, Settings};
use crate::lookup::{LookupError, Platforms, Profile, ProfileQuery};
use crate::machine::Machine;
use crate::profile::{Image, ImageKind};
use crate::providers::{self, Provider};
use crate::routes::error::lookup_message;
use crate::startup::{self, StartError};

/// What one provider's check found, or one way of its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The example profile's avatar was found by the chain's first way, at its size.
    Ok,
    /// The first way failed and a later one found the avatar: the platform still answers,
    /// and its first way has most likely drifted.
    Degraded,
    /// The platform refused us (anti-bot page, login wall, rate limit), asked twice.
    Blocked,
    /// The platform says the example profile does not exist.
    NotFound,
    /// The platform answered, and no avatar could be read from its answer (no picture in
    /// it, or not the page or JSON it serves): its page or API has most likely changed.
    Changed,
    /// No answer: a timeout, no connection, an error status.
    Unreachable,
    /// A handle that cannot exist (`Provider::missing_handle`) came back with a picture:
    /// the platform answers missing profiles with a stand-in we take for an avatar.
    Placeholder,
    /// The avatar is smaller than the platform's floor (`Provider::avatar_floor_px`): the
    /// upgrade to the largest size most likely stopped working.
    TooSmall,
    /// The profile was found without the banner the README promises for the platform.
    NoBanner,
    /// A way not asked: it needs credentials the operator did not set (ways only).
    Skipped,
}

impl Outcome {
    /// What a failed lookup says about the platform.
    fn of(error: &LookupError) -> Self {
        match error {
            LookupError::Blocked { .. } => Self::Blocked,
            LookupError::NotFound(_) => Self::NotFound,
            LookupError::NoImage(_) | LookupError::Unreadable { .. } => Self::Changed,
            LookupError::Timeout { .. }
            | LookupError::Upstream { .. }
            | LookupError::Forbidden(_)
            | LookupError::Busy
            | LookupError::Input(_) => Self::Unreachable,
        }
    }

    /// The outcome as a report line writes it (`not found`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Degraded => "degraded",
            Self::Blocked => "blocked",
            Self::NotFound => "not found",
            Self::Changed => "changed",
            Self::Unreachable => "unreachable",
            Self::Placeholder => "placeholder",
            Self::TooSmall => "too small",
            Self::NoBanner => "no banner",
            Self::Skipped => "skipped",
        }
    }

    /// Whether the run passes with it: ok, or degraded when `allow_degraded`.
    pub fn passes(self, allow_degraded: bool) -> bool {
        self == Self::Ok || (allow_degraded && self == Self::Degraded)
    }
}

/// One answer as the report shows it: a lookup's (the chain's, one way's, the control's).
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// What it found.
    pub outcome: Outcome,
    /// The way of asking that found the profile, when found.
    pub strategy: Option<String>,
    /// How long it took, in milliseconds.
    pub ms: u64,
    /// The avatar's URL, when found.
    pub avatar: Option<String>,
    /// Why it is not ok, as a visitor would read it.
    pub message: Option<String>,
    /// The profile found, for the checks made on it; not reported.
    #[serde(skip)]
    profile: Option<Profile>,
}

impl Answer {
    /// `answer`, a lookup of `handle` that took `ms`: found with an avatar (`ok`), found
    /// without one (`changed`), or its error's outcome.
    fn new(
        provider: &Provider,
        handle: &str,
        ms: u64,
        answer: Result<Profile, LookupError>,
    ) -> Self {
        let (outcome, strategy, avatar, message, profile) = match answer {
            Ok(profile) => {
                let strategy = Some(profile.strategy.clone());
                match profile.avatar().map(str::to_owned) {
                    Some(avatar) => (Outcome::Ok, strategy, Some(avatar), None, Some(profile)),
                    None => (
                        Outcome::Changed,
                        strategy,
                        None,
                        Some(format!(
                            "{} {handle} was found with no avatar.",
                            provider.name
                        )),
                        Some(profile),
                    ),
                }
            }
            Err(e) => (Outcome::of(&e), None, None, Some(lookup_message(&e)), None),
        };
        Self {
            outcome,
            strategy,
            ms,
            avatar,
            message,
            profile,
        }
    }

    /// A way not asked.
    fn skipped() -> Self {
        Self {
            outcome: Outcome::Skipped,
            strategy: None,
            ms: 0,
            avatar: None,
            message: Some("Needs credentials that are not set.".into()),
            profile: None,
        }
    }
}

/// One way of the chain asked alone, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Way {
    /// The way's name (`api`, `page`, `generic page`).
    pub name: &'static str,
    /// Its own answer.
    #[serde(flatten)]
    pub answer: Answer,
}

/// The negative control: a handle that cannot exist, which must come back "not found".
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// The handle looked up (`Provider::missing_handle`).
    pub handle: String,
    /// Its answer.
    #[serde(flatten)]
    pub answer: Answer,
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
    /// The avatar's width in pixels, when measured (`GETIMAGES_CHECK_IMAGES`).
    pub width: Option<u32>,
    /// The avatar's height in pixels, when measured.
    pub height: Option<u32>,
    /// The avatar's size in bytes, when measured.
    pub bytes: Option<u64>,
    /// The banner's URL, when found.
    pub banner: Option<String>,
    /// Whether the platform was asked a second time after a block.
    pub retried: bool,
    /// Each way of the chain asked alone, in order.
    pub ways: Vec<Way>,
    /// The negative control's answer.
    pub control: Option<Control>,
    /// Why the check is not ok.
    pub message: Option<String>,
}

impl Report {
    /// The verdict on `provider` from the chain's answer (what a visitor gets), each way's
    /// own, and the control's.
    fn new(
        provider: &'static Provider,
        handle: &str,
        chain: Answer,
        retried: bool,
        ways: Vec<Way>,
        control: Option<Control>,
    ) -> Self {
        let avatar_image = chain
            .profile
            .as_ref()
            .and_then(|p| image(p, ImageKind::Avatar));
        let banner = chain
            .profile
            .as_ref()
            .and_then(|p| image(p, ImageKind::Banner))
            .map(|b| b.url.clone());
        let (outcome, message) = verdict(provider, &chain, &ways, control.as_ref());
        Self {
            provider: provider.id,
            handle: handle.to_owned(),
            outcome,
            strategy: chain.strategy,
            ms: chain.ms,
            avatar: chain.avatar,
            width: avatar_image.and_then(|i| i.width),
            height: avatar_image.and_then(|i| i.height),
            bytes: avatar_image.and_then(|i| i.bytes),
            banner,
            retried,
            ways,
            control,
            message,
        }
    }

    /// One aligned line: provider, outcome, strategy, time, the avatar's size, each way's
    /// outcome, the control's, then the avatar or the reason.
    fn line(&self) -> String {
        let detail = self
            .avatar
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("");
        let size = match (self.width, self.height) {
            (Some(w), Some(h)) => format!("{w}x{h}"),
            _ => "-".into(),
        };
        let ways: Vec<String> = self
            .ways
            .iter()
            .map(|w| format!("{}={}", w.name.replace(' ', "-"), w.answer.outcome.label()))
            .collect();
        let control = self
            .control
            .as_ref()
            .map_or("-", |c| c.answer.outcome.label());
        format!(
            "{:<14} {:<12} {:<17} {:>6} ms  {size:<9}  ways: {}  missing: {control}  {detail}",
            self.provider,
            self.outcome.label(),
            self.strategy.as_deref().unwrap_or("-"),
            self.ms,
            ways.join(","),
        )
    }
}

/// A profile's first image of `kind`.
fn image(profile: &Profile, kind: ImageKind) -> Option<&Image> {
    profile.images.iter().find(|i| i.kind == kind)
}

/// The outcome and its reason: a control that found a picture first (a drift whatever the
/// example did); then the chain's failure (`changed` when a way answered with no picture,
/// even if a later way was blocked); then, found, an avatar below the floor, a banner
/// missing, and a first way that failed.
fn verdict(
    provider: &Provider,
    chain: &Answer,
    ways: &[Way],
    control: Option<&Control>,
) -> (Outcome, Option<String>) {
    if let Some(control) = control.filter(|c| c.answer.avatar.is_some()) {
        return (
            Outcome::Placeholder,
            Some(format!(
                "{}, a handle that cannot exist, came back with a picture: {}",
                control.handle,
                control.answer.avatar.as_deref().unwrap_or_default()
            )),
        );
    }
    let Some(profile) = chain
        .profile
        .as_ref()
        .filter(|_| chain.outcome == Outcome::Ok)
    else {
        let changed = ways.iter().find(|w| w.answer.outcome == Outcome::Changed);
        return match changed {
            Some(way) if chain.outcome != Outcome::NotFound => (
                Outcome::Changed,
                Some(format!(
                    "The {} way answered with no avatar ({}); the chain ended: {}",
                    way.name,
                    way.answer.message.as_deref().unwrap_or(""),
                    chain.message.as_deref().unwrap_or("")
                )),
            ),
            _ => (chain.outcome, chain.message.clone()),
        };
    };
    if let Some(avatar) = image(profile, ImageKind::Avatar)
        && let (Some(w), Some(h)) = (avatar.width, avatar.height)
        && w.min(h) < provider.avatar_floor_px
    {
        return (
            Outcome::TooSmall,
            Some(format!(
                "The avatar is {w}x{h}, below {}'s floor of {} px: the upgrade to the largest \
                 size most likely stopped working.",
                provider.name, provider.avatar_floor_px
            )),
        );
    }
    if provider.promises_banner && image(profile, ImageKind::Banner).is_none() {
        return (
            Outcome::NoBanner,
            Some(format!(
                "{} was found without the banner the README promises.",
                provider.name
            )),
        );
    }
    let first = ways.iter().find(|w| w.answer.outcome != Outcome::Skipped);
    if let Some(first) = first.filter(|f| chain.strategy.as_deref() != Some(f.name)) {
        return (
            Outcome::Degraded,
            Some(format!(
                "The first way, {}, did not find the avatar and {} did ({} asked alone: {}{}).",
                first.name,
                chain.strategy.as_deref().unwrap_or("-"),
                first.name,
                first.answer.outcome.label(),
                first
                    .answer
                    .message
                    .as_deref()
                    .map(|m| format!(", {m}"))
                    .unwrap_or_default(),
            )),
        );
    }
    (Outcome::Ok, None)
}

/// Checks `args.providers` (every platform when none is named) one after another with the
/// server's `settings`, printing a line as each finishes (or, with `--json`, an array at the
/// end). Returns whether every one passed (ok, or degraded with `--allow-degraded`).
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
        let report = check(&platforms, provider, args.retry_delay).await;
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
    let passed = reports
        .iter()
        .filter(|r| r.outcome.passes(args.allow_degraded))
        .count();
    if !args.json {
        eprintln!("{passed} of {} providers passed", reports.len());
    }
    Ok(passed == reports.len())
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

/// Looks `provider`'s example up on the platform, uncached: through its chain (asked once
/// more after `retry_delay` when blocked), each way alone, then its missing handle.
async fn check(
    platforms: &Platforms,
    provider: &'static Provider,
    retry_delay: Duration,
) -> Report {
    let query = match ProfileQuery::parse(provider.example, Some(provider.id)) {
        Ok(query) => query,
        Err(e) => {
            let answer = Answer::new(provider, provider.example, 0, Err(e));
            return Report::new(provider, provider.example, answer, false, Vec::new(), None);
        }
    };
    let handle = query.handle.clone();
    let mut chain = timed(provider, &handle, platforms.ask(&query)).await;
    let retried = chain.outcome == Outcome::Blocked;
    if retried {
        tracing::info!(provider = provider.id, delay = ?retry_delay, "blocked; asking once more");
        tokio::time::sleep(retry_delay).await;
        chain = timed(provider, &handle, platforms.ask(&query)).await;
    }
    let mut ways = Vec::new();
    for strategy in provider.chain() {
        let started = Instant::now();
        let answer = match platforms.ask_way(&query, strategy).await {
            Some(answer) => Answer::new(provider, &handle, millis(started), answer),
            None => Answer::skipped(),
        };
        ways.push(Way {
            name: strategy.name,
            answer,
        });
    }
    let control = match ProfileQuery::parse(provider.missing_handle, Some(provider.id)) {
        Ok(missing) => Some(Control {
            handle: missing.handle.clone(),
            answer: timed(provider, &missing.handle, platforms.ask(&missing)).await,
        }),
        Err(_) => None,
    };
    Report::new(provider, &handle, chain, retried, ways, control)
}

/// `lookup`'s answer, timed.
async fn timed(
    provider: &Provider,
    handle: &str,
    lookup: impl Future<Output = Result<Profile, LookupError>>,
) -> Answer {
    let started = Instant::now();
    let answer = lookup.await;
    Answer::new(provider, handle, millis(started), answer)
}

fn millis(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
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
    use crate::lookup::{NoImage, Unanswered, Unreadable, Whose};

    #[test]
    fn every_failure_has_an_outcome() {
        let says = |e: LookupError| Outcome::of(&e);
        assert_eq!(
            says(LookupError::Blocked {
                platform: Some("GitHub"),
                by: "a login wall"
            }),
            Outcome::Blocked
        );
        assert_eq!(
            says(LookupError::NotFound(Whose::At("n".into()))),
            Outcome::NotFound
        );
        assert_eq!(
            says(LookupError::NoImage(NoImage::NoPicture(Whose::At(
                "i".into()
            )))),
            Outcome::Changed
        );
        assert_eq!(
            says(LookupError::Unreadable {
                platform: Some("GitHub"),
                cause: Unreadable::NotThe("JSON")
            }),
            Outcome::Changed
        );
        assert_eq!(
            says(LookupError::Timeout {
                platform: Some("GitHub"),
                within: None
            }),
            Outcome::Unreachable
        );
        assert_eq!(
            says(LookupError::Upstream {
                platform: Some("GitHub"),
                cause: Unanswered::NotAsked
            }),
            Outcome::Unreachable
        );
    }

    #[test]
    fn only_ok_passes_and_degraded_when_allowed() {
        assert!(Outcome::Ok.passes(false) && Outcome::Degraded.passes(true));
        assert!(!Outcome::Degraded.passes(false));
        for failed in [
            Outcome::Blocked,
            Outcome::Placeholder,
            Outcome::TooSmall,
            Outcome::NoBanner,
        ] {
            assert!(!failed.passes(true), "{failed:?}");
        }
    }

    fn answer(outcome: Outcome) -> Answer {
        Answer {
            outcome,
            strategy: None,
            ms: 0,
            avatar: None,
            message: Some(outcome.label().into()),
            profile: None,
        }
    }

    #[test]
    fn a_way_that_answered_without_a_picture_is_a_change_even_when_a_later_one_is_blocked() {
        let x = providers::by_id("x").unwrap();
        let ways = vec![
            Way {
                name: "page",
                answer: answer(Outcome::Changed),
            },
            Way {
                name: "intent",
                answer: answer(Outcome::Blocked),
            },
        ];
        let (outcome, message) = verdict(x, &answer(Outcome::Blocked), &ways, None);
        assert_eq!(outcome, Outcome::Changed);
        assert!(message.unwrap().contains("page"));
        // A definite "no such profile" stays one.
        let (outcome, _) = verdict(x, &answer(Outcome::NotFound), &ways, None);
        assert_eq!(outcome, Outcome::NotFound);
        // Every way blocked: blocked.
        let (outcome, _) = verdict(x, &answer(Outcome::Blocked), &ways[1..], None);
        assert_eq!(outcome, Outcome::Blocked);
    }

    #[test]
    fn a_control_with_a_picture_comes_first() {
        let x = providers::by_id("x").unwrap();
        let control = Control {
            handle: x.missing_handle.into(),
            answer: Answer {
                avatar: Some("https://pbs.twimg.com/stand-in.png".into()),
                ..answer(Outcome::Ok)
            },
        };
        let (outcome, message) = verdict(x, &answer(Outcome::Blocked), &[], Some(&control));
        assert_eq!(outcome, Outcome::Placeholder);
        assert!(message.unwrap().contains("stand-in"));
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
