//! Logging: tracing set up once, each request's id, method and path on every line it logs
//! (so every line a request's lookup or image work logs can be found together), and one
//! line per request.
//!
//! The access log is meant to cost a request next to nothing:
//! - a request is the thread's current request while it is polled ([`context`]), not a
//!   tracing span made, entered and closed for each one, and its line is written straight
//!   to the output ([`AccessLines`]), in the bytes the fmt layer would write; a filter
//!   beyond a bare level, or coloured lines, keep the `request` span and the fmt layer;
//! - lines are appended to a buffer that a writer thread writes out in batches
//!   ([`writer`]), never making a request wait: when the buffer is full a line is dropped
//!   and counted ([`dropped_lines`], in /metrics). What is buffered is written out when the
//!   [`LogGuard`] is dropped, at the end of `main`, whatever made the server stop;
//! - a line is formatted with no allocation, and a span's fields with one;
//! - health checks (`/healthz`, Fly's check) are logged at debug, not info.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{Ready, ready};
use std::io::{self, IsTerminal, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use clap::ValueEnum;
use serde::Serialize;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Span, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::field::VisitOutput;
use tracing_subscriber::fmt::format::{DefaultFields, DefaultVisitor, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::{LookupSpan, Scope, SpanRef};
use tracing_subscriber::util::SubscriberInitExt;

use crate::decimal::Decimal;
use context::RequestFields;
pub use context::in_current_request;
use writer::Output;
pub use writer::{LogGuard, dropped_lines};

mod context;
mod writer;

/// Paths logged at debug rather than info: the platform's health checks, every few seconds
/// for the life of the server, which say nothing an operator reads.
const HEALTH_CHECKS: [&str; 1] = ["/healthz"];

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Set by [`init`] when requests are logged without a span (see [`AccessLines`]).
static ACCESS_LINES: OnceLock<AccessLines> = OnceLock::new();

/// Installs the global tracing subscriber, or says why `filter` is not a log filter. Text
/// lines are coloured only on a terminal, and never when `NO_COLOR` is set (no-color.org).
/// Lines go through a writer thread with room for `buffered_lines` (8192 by default:
/// about 2 MB of typical lines, a burst of several seconds at full speed), or straight to
/// stderr when it is 0. Keep the returned guard for the life of the process: dropping it
/// writes out the lines still buffered.
pub fn init(
    filter: &str,
    format: LogFormat,
    buffered_lines: usize,
) -> Result<Option<LogGuard>, String> {
    // A bare level ("info", "warn") is a plain level filter, which decides from the
    // callsite alone; EnvFilter also takes locks on every span entered and left.
    let (level, env_filter) = match bare_level(filter) {
        Some(level) => (level, None),
        None => {
            let env_filter = EnvFilter::try_new(filter)
                .map_err(|e| format!("invalid value {filter:?} for --log / RUST_LOG: {e}"))?;
            (LevelFilter::TRACE, Some(env_filter))
        }
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let ansi = io::stderr().is_terminal() && !no_color;
    let (output, guard) = writer::stderr(buffered_lines);
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(output.clone());
    let bare = env_filter.is_none();
    let subscriber = tracing_subscriber::registry()
        .with(bare.then_some(context::Origins))
        .with(env_filter)
        .with(level);
    // A subscriber already installed (tests that build several apps) is fine.
    let installed = match format {
        LogFormat::Text => subscriber
            .with(
                layer
                    .fmt_fields(OneWrite(PlainFields))
                    .event_format(TextLines::new()),
            )
            .try_init(),
        LogFormat::Json => subscriber
            .with(layer.fmt_fields(JsonFields).event_format(JsonLines))
            .try_init(),
    };
    // Coloured lines, and a filter that may name the `request` span, keep the span.
    if installed.is_ok() && bare && !ansi {
        let _ = ACCESS_LINES.set(AccessLines {
            format,
            level,
            output,
        });
    }
    Ok(guard)
}

/// The level `filter` names when it is only a level, as EnvFilter reads it.
fn bare_level(filter: &str) -> Option<LevelFilter> {
    let filter = filter.trim();
    ["off", "error", "warn", "info", "debug", "trace"]
        .iter()
        .any(|level| filter.eq_ignore_ascii_case(level))
        .then(|| filter.parse().ok())
        .flatten()
}

/// The request lines written straight to the output rather than through tracing, and each
/// request's fields kept as the thread's current request ([`context`]) rather than in a
/// span: what the fmt layer and the registry cost per request was most of what logging
/// cost. The lines are the same bytes the fmt layer writes for the same event in a
/// `request` span (a test compares them). Set up by [`init`] only where nothing can tell
/// the difference: a bare level (no filter that may name the span) and no colours.
struct AccessLines {
    format: LogFormat,
    level: LevelFilter,
    output: Output,
}

impl AccessLines {
    /// Writes a request's line (`request status=200 latency_ms=0.25`) at `level`, if it
    /// is enabled.
    fn write(&self, level: Level, request: RequestFields<'_>, status: u16, latency_ms: f64) {
        if self.level < level {
            return;
        }
        thread_local! {
            static LINE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        LINE.with(|line| {
            let Ok(mut line) = line.try_borrow_mut() else {
                return;
            };
            line.clear();
            if access_line(&mut line, self.format, level, request, status, latency_ms).is_ok() {
                let _ = self.output.make_writer().write_all(line.as_bytes());
            }
            // A very long path's line is not kept for the life of the thread.
            line.shrink_to(1024);
        });
    }
}

/// Writes a request's line, as the fmt layer and [`TextLines`] or [`JsonLines`] write
/// `info!(status, latency_ms, "request")` logged in its `request` span.
fn access_line(
    line: &mut String,
    format: LogFormat,
    level: Level,
    request: RequestFields<'_>,
    status: u16,
    latency_ms: f64,
) -> fmt::Result {
    let mut writer = Writer::new(line);
    match format {
        LogFormat::Text => {
            text_head(&mut writer, level)?;
            text_request(&mut writer, request)?;
            writer.write_str(" request status=")?;
            writer.write_str(Decimal::new(u64::from(status)).as_str())?;
            writer.write_str(" latency_ms=")?;
            let mut digits = ryu::Buffer::new();
            match plain_decimal(latency_ms, &mut digits) {
                Some(text) => writer.write_str(text)?,
                None => write!(writer, "{latency_ms:?}")?,
            }
        }
        LogFormat::Json => {
            writer.write_str("{\"timestamp\":\"")?;
            Clock.format_time(&mut writer)?;
            write!(
                writer,
                "\",\"level\":\"{level}\",\"message\":\"request\",\"status\":"
            )?;
            writer.write_str(Decimal::new(u64::from(status)).as_str())?;
            writer.write_str(",\"latency_ms\":")?;
            json_value(&mut writer, &latency_ms)?;
            writer.write_str(",\"target\":")?;
            json_str(&mut writer, module_path!())?;
            writer.write_str(",\"spans\":[")?;
            json_request(&mut writer, request)?;
            writer.write_str("]}")?;
        }
    }
    writer.write_char('\n')
}

/// The time as tracing-subscriber's `SystemTime` writes it, UTC to the microsecond
/// (`2026-12-06T11:17:16.123456Z`), with the date and time up to the second written once a
/// second on each thread rather than for every line.
struct Clock;

impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        thread_local! {
            /// The second last written, and its text up to the `.`.
            static SECOND: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
        }
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        let Ok(now) = since_epoch else {
            return tracing_subscriber::fmt::time::SystemTime.format_time(w);
        };
        let secs = now.as_secs();
        let (cached, mut text) = SECOND.get();
        if cached != secs {
            let Some(second) = second_text(secs) else {
                return tracing_subscriber::fmt::time::SystemTime.format_time(w);
            };
            text = second;
            SECOND.set((secs, text));
        }
        let mut line = [0; 27];
        line[..20].copy_from_slice(&text);
        put_digits(&mut line[20..26], u64::from(now.subsec_micros()));
        line[26] = b'Z';
        // Only ASCII digits and separators are written in.
        w.write_str(std::str::from_utf8(&line).unwrap_or_default())
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` for `secs` after the Unix epoch, for years up to 9999 (as
/// tracing-subscriber writes them; it writes later ones differently).
fn second_text(secs: u64) -> Option<[u8; 20]> {
    // Howard Hinnant's civil_from_days.
    let z = i64::try_from(secs / 86_400).ok()? + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = u64::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
    if year > 9999 {
        return None;
    }
    let in_day = secs % 86_400;
    let mut text = *b"0000-00-00T00:00:00.";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month.unsigned_abs());
    put_digits(&mut text[8..10], day.unsigned_abs());
    put_digits(&mut text[11..13], in_day / 3600);
    put_digits(&mut text[14..16], in_day / 60 % 60);
    put_digits(&mut text[17..19], in_day % 60);
    Some(text)
}

/// `value`'s last decimal digits, as many as `out` holds, zero-padded.
fn put_digits(out: &mut [u8], mut value: u64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Whether `text`'s `Debug` is the text itself in quotes: printable ASCII without `"` or
/// `\`, as nearly every path and header is.
fn debug_is_verbatim(text: &str) -> bool {
    text.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// Fields formatted by `F`, staged on the stack first, so that a span's fields (kept as a
/// `String` for the life of the span) are one allocation of the right size, not one for
/// each time the string grows.
struct OneWrite<F>(F);

impl<'writer, F> FormatFields<'writer> for OneWrite<F>
where
    F: for<'a> FormatFields<'a>,
{
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        // Coloured lines are for a terminal, where the cost does not matter (and the staging
        // writer cannot be made to colour).
        if !writer.has_ansi_escapes() {
            let mut staged = Staged::default();
            if self
                .0
                .format_fields(Writer::new(&mut staged), &fields)
                .is_ok()
                && !staged.overflowed
            {
                return writer.write_str(staged.as_str());
            }
        }
        self.0.format_fields(writer, fields)
    }
}

/// Text lines as tracing-subscriber's full format writes them with no target and the
/// [`Clock`] (`<time> INFO request{request_id=1 method=GET path="/"}: request status=200`),
/// written straight into the line when it is not coloured, without painting each piece
/// through an empty terminal style; a coloured line is left to it.
struct TextLines {
    coloured: tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Full, Clock>,
}

impl TextLines {
    fn new() -> Self {
        Self {
            coloured: tracing_subscriber::fmt::format()
                .with_target(false)
                .with_timer(Clock),
        }
    }
}

impl<S> FormatEvent<S, OneWrite<PlainFields>> for TextLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, OneWrite<PlainFields>>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if writer.has_ansi_escapes() {
            return self.coloured.format_event(ctx, writer, event);
        }
        text_head(&mut writer, *event.metadata().level())?;
        let mut spans = ctx
            .event_scope()
            .into_iter()
            .flat_map(Scope::from_root)
            .peekable();
        let mut seen = match carried_request(spans.peek()) {
            Some(origin) => text_request(&mut writer, origin.fields()).map(|()| true)?,
            None => context::with_current(|request| {
                request.map(|r| text_request(&mut writer, r)).transpose()
            })?
            .is_some(),
        };
        for span in spans {
            writer.write_str(span.metadata().name())?;
            seen = true;
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<FormattedFields<OneWrite<PlainFields>>>()
                && !fields.is_empty()
            {
                writer.write_char('{')?;
                writer.write_str(&fields.fields)?;
                writer.write_char('}')?;
            }
            writer.write_char(':')?;
        }
        if seen {
            writer.write_char(' ')?;
        }
        // Straight into the line: staging is for a span's fields, kept as a `String`.
        PlainFields.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The request a span made with no parent carries ([`context::Origins`]): the request
/// its lines are logged under.
fn carried_request<S>(root: Option<&SpanRef<'_, S>>) -> Option<Arc<context::Request>>
where
    S: for<'a> LookupSpan<'a>,
{
    root?.extensions().get::<Arc<context::Request>>().cloned()
}

/// The time and the level, padded as tracing-subscriber pads it: a text line's head.
fn text_head(writer: &mut Writer<'_>, level: Level) -> fmt::Result {
    if Clock.format_time(writer).is_err() {
        writer.write_str("<unknown time>")?;
    }
    writer.write_char(' ')?;
    // Five wide, as tracing-subscriber pads them.
    writer.write_str(match level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        _ => "ERROR ",
    })
}

/// A request as its `request` span heads a text line:
/// `request{request_id=1 method=GET path="/"}:`.
fn text_request(writer: &mut Writer<'_>, request: RequestFields<'_>) -> fmt::Result {
    writer.write_str("request{request_id=")?;
    writer.write_str(Decimal::new(request.id).as_str())?;
    writer.write_str(" method=")?;
    writer.write_str(request.method)?;
    writer.write_str(" path=")?;
    if debug_is_verbatim(request.path) {
        writer.write_char('"')?;
        writer.write_str(request.path)?;
        writer.write_char('"')?;
    } else {
        write!(writer, "{:?}", request.path)?;
    }
    writer.write_str("}:")
}

/// The fields as [`DefaultFields`] writes them (`name=value`, the message first and bare),
/// written straight into the line when it is not coloured: `DefaultFields` paints every
/// name and `=` through a terminal style even when it is plain, which was most of what a
/// line cost. A coloured line, and an error's field (with its sources), are left to it.
struct PlainFields;

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        if writer.has_ansi_escapes() {
            return DefaultFields::new().format_fields(writer, fields);
        }
        let mut visitor = PlainVisitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes each field it visits as `DefaultVisitor` does, without colour.
struct PlainVisitor<'a> {
    writer: Writer<'a>,
    /// No field written yet: the next needs no space before it.
    first: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Writes an integer field, digits without `fmt` (as its `Debug` writes it; a
    /// `message` stays with the general path).
    fn record_integer(&mut self, field: &Field, magnitude: u64, negative: bool) {
        let name = field.name();
        if name == "message" {
            let value = if negative {
                format_args!("-{magnitude}")
            } else {
                format_args!("{magnitude}")
            };
            self.field(name, value, true);
            return;
        }
        self.written(name, |w| {
            if negative {
                w.write_char('-')?;
            }
            w.write_str(Decimal::new(magnitude).as_str())
        });
    }

    /// Writes one field that is not a `message`, `name=` then what `value` writes.
    fn written(&mut self, name: &str, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !std::mem::take(&mut self.first) {
                self.writer.write_char(' ')?;
            }
            self.writer
                .write_str(name.strip_prefix("r#").unwrap_or(name))?;
            self.writer.write_char('=')?;
            value(&mut self.writer)
        })();
    }

    /// Writes one field: `message` bare (its control characters escaped unless the writer is
    /// told not to), any other `name=` then the value's `Debug`, an `r#` name without it.
    fn field(&mut self, name: &str, value: fmt::Arguments<'_>, message: bool) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !std::mem::take(&mut self.first) {
                self.writer.write_char(' ')?;
            }
            if message {
                if self.writer.sanitizes_ansi_escapes() {
                    return fmt::Write::write_fmt(&mut EscapeControls(&mut self.writer), value);
                }
                return self.writer.write_fmt(value);
            }
            self.writer
                .write_str(name.strip_prefix("r#").unwrap_or(name))?;
            self.writer.write_char('=')?;
            self.writer.write_fmt(value)
        })();
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let name = field.name();
        let mut digits = ryu::Buffer::new();
        match plain_decimal(value, &mut digits) {
            Some(text) if name != "message" => self.written(name, |w| w.write_str(text)),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_integer(field, value, false);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_integer(field, value.unsigned_abs(), value < 0);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.field("message", format_args!("{value}"), true);
        } else if debug_is_verbatim(value) {
            self.written(field.name(), |w| {
                w.write_char('"')?;
                w.write_str(value)?;
                w.write_char('"')
            });
        } else {
            self.field(field.name(), format_args!("{value:?}"), false);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.result.is_err() {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.first);
        visitor.record_error(field, value);
        self.result = visitor.finish();
        self.first = false;
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        self.field(name, format_args!("{value:?}"), name == "message");
    }
}

/// `value` as its `Debug` writes it, written by ryu into `digits` rather than through
/// `fmt`'s float machinery, when both write the same: a zero or a magnitude from 1e-4 to
/// 1e16 (as a request's `latency_ms`), which both write without an exponent, whose shortest
/// digits are at most 15. Up to 15 significant digits, two decimals never read as the same
/// `f64`, so the shortest is the one both find; past that, where more than one may do, they
/// may pick differently, and `None` leaves it to `Debug`.
fn plain_decimal(value: f64, digits: &mut ryu::Buffer) -> Option<&str> {
    let magnitude = value.abs();
    if !(magnitude == 0.0 || (1e-4..1e16).contains(&magnitude)) {
        return None;
    }
    let text = digits.format_finite(value);
    let significant = text
        .trim_start_matches(['-', '0', '.'])
        .trim_end_matches(['0', '.']);
    (significant.bytes().filter(u8::is_ascii_digit).count() <= 15).then_some(text)
}

/// Writes text with the control characters a terminal acts on escaped, as
/// tracing-subscriber escapes a message (`\x1b`, and `\u{9b}` for the C1 ones), and text
/// without any (nearly all) in one piece.
struct EscapeControls<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for EscapeControls<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let controls = |c: char| {
            matches!(
                c,
                '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}'
            )
        };
        let mut rest = s;
        while let Some(at) = rest.find(controls) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\u{80}'..='\u{9f}' => write!(self.0, "\\u{{{:x}}}", u32::from(c))?,
                _ => write!(self.0, "\\x{:02x}", u32::from(c))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// Up to [`Staged::ROOM`] bytes of text on the stack.
struct Staged {
    bytes: [u8; Staged::ROOM],
    len: usize,
    overflowed: bool,
}

impl Staged {
    const ROOM: usize = 512;

    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl Default for Staged {
    fn default() -> Self {
        Self {
            bytes: [0; Self::ROOM],
            len: 0,
            overflowed: false,
        }
    }
}

impl fmt::Write for Staged {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > Self::ROOM {
            self.overflowed = true;
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A span's fields as one JSON object, `{"request_id":1,"method":"GET"}`, written once when
/// the span is made, in the order they are declared; [`JsonLines`] copies it into each line.
struct JsonFields;

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut staged = Staged::default();
        if write_json_object(&mut staged, &fields).is_ok() && !staged.overflowed {
            return writer.write_str(staged.as_str());
        }
        write_json_object(&mut writer, &fields)
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        // Fields recorded later join the object: `{"a":1}` and `{"b":2}` make `{"a":1,"b":2}`.
        let mut more = String::new();
        write_json_object(&mut more, fields)?;
        match (current.fields.strip_suffix('}'), more.strip_prefix('{')) {
            (Some(head), Some("}")) => current.fields = format!("{head}}}"),
            (Some(head), Some(tail)) if head != "{" => {
                current.fields = format!("{head},{tail}");
            }
            _ => current.fields = more,
        }
        Ok(())
    }
}

/// `{` then `fields` as JSON entries, then `}`.
fn write_json_object(out: &mut dyn fmt::Write, fields: &impl RecordFields) -> fmt::Result {
    out.write_char('{')?;
    let mut entries = JsonEntries {
        out: &mut *out,
        first: true,
        result: Ok(()),
        unraw_debug_names: true,
    };
    fields.record(&mut entries);
    entries.result?;
    out.write_char('}')
}

/// One JSON object per line, as tracing-subscriber's JSON format writes it with the event's
/// fields flattened and the list of spans (`"spans"`), but with each span's fields copied
/// from [`JsonFields`]' object instead of parsed back into a map for each line: the line is
/// written with no allocation. Keys: timestamp, level, the event's fields, target, spans.
struct JsonLines;

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        writer.write_str("{\"timestamp\":\"")?;
        Clock.format_time(&mut writer)?;
        write!(writer, "\",\"level\":\"{}\"", meta.level())?;
        let mut entries = JsonEntries {
            out: &mut writer,
            first: false,
            result: Ok(()),
            unraw_debug_names: false,
        };
        event.record(&mut entries);
        entries.result?;
        writer.write_str(",\"target\":")?;
        json_str(&mut writer, meta.target())?;
        // The spans the event is in: its explicit parent's, else the current ones; headed by
        // the request they were made in, or the one the thread serves.
        let mut spans = ctx
            .event_scope()
            .map(Scope::from_root)
            .map(Iterator::peekable);
        let carried = carried_request(spans.as_mut().and_then(|spans| spans.peek()));
        let mut listed = match &carried {
            Some(origin) => {
                writer.write_str(",\"spans\":[")?;
                json_request(&mut writer, origin.fields()).map(|()| true)?
            }
            None => context::with_current(|request| {
                request
                    .map(|r| {
                        writer.write_str(",\"spans\":[")?;
                        json_request(&mut writer, r)
                    })
                    .transpose()
            })?
            .is_some(),
        };
        if let Some(spans) = spans {
            if !listed {
                writer.write_str(",\"spans\":[")?;
            }
            for span in spans {
                if std::mem::replace(&mut listed, true) {
                    writer.write_char(',')?;
                }
                let extensions = span.extensions();
                let object = extensions
                    .get::<FormattedFields<JsonFields>>()
                    .map_or("{}", |f| f.fields.as_str());
                let inner = object
                    .strip_prefix('{')
                    .and_then(|o| o.strip_suffix('}'))
                    .unwrap_or_default();
                writer.write_char('{')?;
                if !inner.is_empty() {
                    writer.write_str(inner)?;
                    writer.write_char(',')?;
                }
                writer.write_str("\"name\":")?;
                json_str(&mut writer, span.metadata().name())?;
                writer.write_char('}')?;
            }
            listed = true;
        }
        if listed {
            writer.write_char(']')?;
        }
        writer.write_str("}\n")
    }
}

/// A request as its `request` span is listed in a JSON line's `spans`:
/// `{"request_id":1,"method":"GET","path":"/","name":"request"}`.
fn json_request(out: &mut dyn fmt::Write, request: RequestFields<'_>) -> fmt::Result {
    out.write_str("{\"request_id\":")?;
    out.write_str(Decimal::new(request.id).as_str())?;
    out.write_str(",\"method\":")?;
    json_str(out, request.method)?;
    out.write_str(",\"path\":")?;
    json_str(out, request.path)?;
    out.write_str(",\"name\":\"request\"}")
}

/// Writes each field it visits as a JSON entry, `"name":value`, values as serde_json
/// writes them (a `Debug` or `Display` value as a string).
struct JsonEntries<'a> {
    out: &'a mut dyn fmt::Write,
    /// No entry written yet: the next needs no comma before it.
    first: bool,
    result: fmt::Result,
    /// Whether a `Debug` field named `r#type` is written as `type` (as tracing-subscriber's
    /// span fields are).
    unraw_debug_names: bool,
}

impl JsonEntries<'_> {
    fn entry<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.written(name, |out| json_value(out, value));
    }

    /// Writes `"name":` then what `value` writes.
    fn written(&mut self, name: &str, value: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !std::mem::take(&mut self.first) {
                self.out.write_char(',')?;
            }
            json_str(self.out, name)?;
            self.out.write_char(':')?;
            value(self.out)
        })();
    }
}

impl Visit for JsonEntries<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field.name(), &value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.written(field.name(), |out| {
            if value < 0 {
                out.write_char('-')?;
            }
            out.write_str(Decimal::new(value.unsigned_abs()).as_str())
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.written(field.name(), |out| {
            out.write_str(Decimal::new(value).as_str())
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.written(field.name(), |out| {
            out.write_str(if value { "true" } else { "false" })
        });
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.written(field.name(), |out| json_str(out, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        let name = match name.strip_prefix("r#") {
            Some(bare) if self.unraw_debug_names => bare,
            _ => name,
        };
        self.entry(name, &format_args!("{value:?}"));
    }
}

/// `text` as a JSON string, as serde_json writes it: in quotes as it is when nothing in it
/// needs escaping (no `"`, `\` or control character), which is every field name and nearly
/// every value; else by serde_json.
fn json_str(out: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.write_char('"')?;
        out.write_str(text)?;
        out.write_char('"')
    } else {
        json_value(out, text)
    }
}

/// `value` as JSON, written into `out` by serde_json.
fn json_value<T: Serialize + ?Sized>(out: &mut dyn fmt::Write, value: &T) -> fmt::Result {
    value
        .serialize(&mut serde_json::Serializer::new(IoToFmt(out)))
        .map_err(|_| fmt::Error)
}

/// serde_json writes bytes; every piece it writes is whole UTF-8.
struct IoToFmt<'a>(&'a mut dyn fmt::Write);

impl Write for IoToFmt<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let text = std::str::from_utf8(bytes).map_err(io::Error::other)?;
        self.0.write_str(text).map_err(io::Error::other)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The route a request matched, as registered (`/{provider}/{id:.+}`), for the request
/// metrics: set as a resource's data by `routes`, read here without matching the path again.
#[derive(Debug, Clone, Copy)]
pub struct Route(pub &'static str);

static NEXT_REQUEST_ID: AtomicU64 = AtomicU64::new(1);

/// The response header that carries the request's id, as its log lines do.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware: runs the request for its id, method and path (in a `request` span, or as the
/// thread's current request where [`init`] writes its lines without one), logs its status
/// and latency, counts it in the request metrics, and tags the response with an
/// `x-request-id` that matches. Health checks are logged at debug.
pub struct RequestLog;

impl<S, B> Transform<S, ServiceRequest> for RequestLog
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestLogService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestLogService { service }))
    }
}

/// [`RequestLog`] in front of the app's service.
pub struct RequestLogService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestLogService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LoggedRequest<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let id = NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed);
        let health_check = HEALTH_CHECKS.contains(&req.path());
        let (span, serving) = if ACCESS_LINES.get().is_some() {
            let request = context::Request::new(id, req.method().clone(), req.uri().clone());
            (Span::none(), Some(request))
        } else if health_check {
            let span = tracing::debug_span!("request", request_id = id, method = %req.method(), path = req.path());
            (span, None)
        } else {
            let span = tracing::info_span!("request", request_id = id, method = %req.method(), path = req.path());
            (span, None)
        };
        // Whatever the app does before its future is first polled happens in the request too.
        let request = {
            let _entered = span.enter();
            context::serving(serving.as_ref(), || self.service.call(req))
        };
        LoggedRequest {
            request,
            span,
            serving,
            started,
            id,
            health_check,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer on its way, in its `request` span or as the thread's current
    /// request; logged and counted when it comes.
    pub struct LoggedRequest<F> {
        #[pin]
        request: F,
        span: Span,
        serving: Option<context::Request>,
        started: Instant,
        id: u64,
        health_check: bool,
    }
}

impl<F, B> Future for LoggedRequest<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let (span, serving, id) = (&*this.span, this.serving, *this.id);
        let result = {
            let _entered = span.enter();
            let request = this.request;
            std::task::ready!(context::serving(serving.as_ref(), || request.poll(cx)))
        };
        let elapsed = this.started.elapsed();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        match &result {
            Ok(res) => {
                let status = res.status().as_u16();
                if let (Some(lines), Some(request)) = (ACCESS_LINES.get(), serving.as_ref()) {
                    let level = if *this.health_check {
                        Level::DEBUG
                    } else {
                        Level::INFO
                    };
                    lines.write(level, request.fields(), status, latency_ms);
                } else if *this.health_check {
                    tracing::debug!(parent: span, status, latency_ms, "request");
                } else {
                    tracing::info!(parent: span, status, latency_ms, "request");
                }
                let route = res
                    .request()
                    .app_data::<Route>()
                    .map_or("unmatched", |r| r.0);
                crate::metrics::request(route, status, elapsed);
            }
            Err(e) => context::serving(serving.as_ref(), || {
                tracing::warn!(parent: span, latency_ms, error = %e, "request failed");
            }),
        }
        Poll::Ready(result.map(|mut res| {
            res.headers_mut().insert(REQUEST_ID, HeaderValue::from(id));
            res
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::writer::batched;
    use super::writer::tests::{FOREVER, Sink};
    use super::*;

    #[test]
    fn the_clock_writes_the_time_as_tracing_subscriber_does() {
        let second = |secs| second_text(secs).map(|t| String::from_utf8(t.to_vec()).unwrap());
        for (secs, text) in [
            (0, "1970-01-01T00:00:00."),
            (951_782_400, "2000-02-29T00:00:00."),
            (1_709_251_199, "2024-02-29T23:59:59."),
            (1_765_000_000, "2025-12-06T05:46:40."),
            (4_107_542_400, "2100-03-01T00:00:00."),
            (253_402_300_799, "9999-12-31T23:59:59."),
        ] {
            assert_eq!(second(secs).as_deref(), Some(text), "{secs}");
        }
        assert_eq!(
            second(253_402_300_800),
            None,
            "years past 9999 are left to it"
        );

        let now = |timer: &dyn FormatTime| {
            let mut text = String::new();
            timer.format_time(&mut Writer::new(&mut text)).unwrap();
            text
        };
        // Up to the second, unless one went by between the two.
        let same_second = (0..3).any(|_| {
            let (ours, theirs) = (now(&Clock), now(&tracing_subscriber::fmt::time::SystemTime));
            assert_eq!(ours.len(), theirs.len(), "{ours} {theirs}");
            ours[..20] == theirs[..20]
        });
        assert!(same_second);
    }

    #[test]
    fn plain_decimals_are_written_as_debug_writes_them() {
        let mut rng = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
        let mut values = vec![
            0.0,
            -0.0,
            1e-4,
            1e16,
            0.25,
            1.0,
            123.0,
            0.1 + 0.2,
            9.999_999e15,
        ];
        for _ in 0..200_000 {
            // Any bits, and latencies as they are made: nanoseconds as milliseconds.
            values.push(f64::from_bits(rng.u64(..)));
            values.push(Duration::from_nanos(rng.u64(..10_000_000_000)).as_secs_f64() * 1000.0);
        }
        let mut written = 0;
        for value in &values {
            let mut digits = ryu::Buffer::new();
            if let Some(text) = plain_decimal(*value, &mut digits) {
                assert_eq!(text, format!("{value:?}"));
                written += 1;
            }
        }
        assert!(written > values.len() / 3, "{written} of {}", values.len());
    }

    #[test]
    fn a_bare_level_is_read_as_envfilter_reads_it() {
        assert_eq!(bare_level("info"), Some(LevelFilter::INFO));
        assert_eq!(bare_level(" WARN "), Some(LevelFilter::WARN));
        assert_eq!(bare_level("off"), Some(LevelFilter::OFF));
        assert_eq!(bare_level("getimages=debug"), None);
        assert_eq!(bare_level("info,actix_server=warn"), None);
        assert_eq!(bare_level("3"), None);
    }

    /// What `dispatch` writes for a line logged in a request's span and a refresh's span
    /// inside it, then for one outside any span, each line without its timestamp.
    fn logged(dispatch: &tracing::Dispatch, sink: &Sink) -> Vec<String> {
        tracing::dispatcher::with_default(dispatch, || {
            let span = tracing::info_span!(
                "request",
                request_id = 7u64,
                method = %"GET",
                path = "/a \"quoted\"\npath"
            );
            let _in_request = span.enter();
            let refresh = tracing::info_span!("refresh", image = %"https://x.example/a.png");
            refresh.in_scope(|| tracing::info!(status = 200u16, latency_ms = 0.25, "request"));
        });
        tracing::dispatcher::with_default(dispatch, || {
            tracing::warn!(
                error = %"refused\u{1b}[31m",
                ok = false,
                n = -3i64,
                least = i64::MIN,
                most = u64::MAX,
                zero = 0u64,
                page = "/plain page?q=1&x='y'",
                "outside"
            );
        });
        tracing::dispatcher::with_default(dispatch, || {
            let span =
                tracing::info_span!("request", request_id = 8u64, method = %"HEAD", path = "/");
            tracing::info!(parent: &span, status = 200u16, "request");
        });
        without_timestamps(sink)
    }

    /// The lines written to `sink`, each without its timestamp.
    fn without_timestamps(sink: &Sink) -> Vec<String> {
        sink.text()
            .lines()
            .map(|line| {
                line.split_once('Z')
                    .map_or(line, |(_, rest)| rest)
                    .to_owned()
            })
            .collect()
    }

    /// Text lines as ours write them and as tracing-subscriber's own full format does, each
    /// to a sink of its own, both without colours: `(ours, theirs)`.
    fn text_formats() -> ((tracing::Dispatch, Sink), (tracing::Dispatch, Sink)) {
        let registry = tracing_subscriber::registry;
        let (layer, ours) = self::layer();
        let ours = (
            tracing::Dispatch::new(
                registry().with(
                    layer
                        .fmt_fields(OneWrite(PlainFields))
                        .event_format(TextLines::new()),
                ),
            ),
            ours,
        );
        let (layer, theirs) = self::layer();
        let theirs = (
            tracing::Dispatch::new(registry().with(layer.with_target(false))),
            theirs,
        );
        (ours, theirs)
    }

    /// A fmt layer writing to a new sink, without colours.
    fn layer<S>() -> (
        tracing_subscriber::fmt::Layer<
            S,
            DefaultFields,
            tracing_subscriber::fmt::format::Format,
            impl for<'a> MakeWriter<'a> + 'static,
        >,
        Sink,
    ) {
        let sink = Sink::default();
        let writer = {
            let sink = sink.clone();
            move || sink.clone()
        };
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer);
        (layer, sink)
    }

    #[test]
    fn text_lines_read_as_tracing_subscribers_own() {
        let ((ours, our_sink), (theirs, their_sink)) = text_formats();
        let ours = logged(&ours, &our_sink);
        assert_eq!(ours, logged(&theirs, &their_sink));
        assert!(
            ours[0].ends_with(
                "INFO request{request_id=7 method=GET path=\"/a \\\"quoted\\\"\\npath\"}:\
                 refresh{image=https://x.example/a.png}: request status=200 latency_ms=0.25"
            ),
            "{ours:?}"
        );
    }

    #[test]
    fn plain_fields_are_written_as_tracing_subscribers_own() {
        let log = |dispatch: &tracing::Dispatch, sink: &Sink| {
            tracing::dispatcher::with_default(dispatch, || {
                let error = io::Error::other("disk \u{1b}[31mfull");
                let cause: &(dyn std::error::Error + 'static) = &error;
                tracing::warn!(
                    r#type = "a\tb",
                    n = -3i64,
                    big = u128::MAX,
                    cause,
                    "ring \u{7}\u{1b}[31m, \u{9b}, \u{7f} and é {}",
                    1.5
                );
                tracing::info!(message = "as a str \u{1b}", ok = true);
                let span = tracing::info_span!("outer", r#type = "x", path = "/\u{1b}");
                tracing::error!(parent: &span, "");
            });
            without_timestamps(sink)
        };
        let ((ours, our_sink), (theirs, their_sink)) = text_formats();
        let ours = log(&ours, &our_sink);
        assert_eq!(ours, log(&theirs, &their_sink));
        assert!(
            ours[0].contains("\\x07\\x1b[31m, \\u{9b}, \\x7f and é 1.5 type="),
            "{ours:?}"
        );
    }

    #[test]
    fn json_lines_say_what_tracing_subscribers_own_say() {
        let registry = tracing_subscriber::registry;
        let (layer, sink) = self::layer();
        let ours = tracing::Dispatch::new(
            registry().with(layer.fmt_fields(JsonFields).event_format(JsonLines)),
        );
        let ours = logged(&ours, &sink);
        let (layer, sink) = self::layer();
        let theirs = tracing::Dispatch::new(
            registry().with(layer.json().flatten_event(true).with_current_span(false)),
        );
        let theirs = logged(&theirs, &sink);
        let parse = |line: &String| -> serde_json::Value {
            serde_json::from_str(&format!("{{\"timestamp\":\"{line}")).expect(line)
        };
        assert_eq!(ours.len(), 3, "{ours:?}");
        for (ours, theirs) in ours.iter().zip(&theirs).take(2) {
            assert_eq!(parse(ours), parse(theirs), "{ours}\n{theirs}");
        }
        // Logged with its span as parent, not entered: tracing-subscriber lists no span
        // then (it lists the current ones), the text format and ours list the parent's.
        assert_eq!(
            parse(&ours[2])["spans"],
            serde_json::json!([{"request_id": 8, "method": "HEAD", "path": "/", "name": "request"}])
        );
        assert_eq!(
            parse(&ours[0])["spans"],
            serde_json::json!([
                {"request_id": 7, "method": "GET", "path": "/a \"quoted\"\npath", "name": "request"},
                {"image": "https://x.example/a.png", "name": "refresh"},
            ])
        );
    }

    /// Our lines in `format`, with the request's fields carried as a context does
    /// ([`context::Origins`]), to a sink of their own.
    fn ours(format: LogFormat) -> (tracing::Dispatch, Sink) {
        let registry = || tracing_subscriber::registry().with(context::Origins);
        let (layer, sink) = self::layer();
        let dispatch = match format {
            LogFormat::Text => tracing::Dispatch::new(
                registry().with(
                    layer
                        .fmt_fields(OneWrite(PlainFields))
                        .event_format(TextLines::new()),
                ),
            ),
            LogFormat::Json => tracing::Dispatch::new(
                registry().with(layer.fmt_fields(JsonFields).event_format(JsonLines)),
            ),
        };
        (dispatch, sink)
    }

    /// What a request's work logs, in its `request` span (`in_span`) or with the request as
    /// the thread's current one: a line in a refresh span made inside it, one in the request,
    /// its failure logged with its span (or none) as parent, and one in the refresh once the
    /// request has ended; each line without its timestamp.
    fn request_lines(format: LogFormat, in_span: bool, path: &str) -> Vec<String> {
        let (dispatch, sink) = ours(format);
        tracing::dispatcher::with_default(&dispatch, || {
            let refresh = {
                let (span, request) = if in_span {
                    let span =
                        tracing::info_span!("request", request_id = 7u64, method = %"GET", path);
                    (span, None)
                } else {
                    let uri = path.parse().unwrap();
                    let request = context::Request::new(7, actix_web::http::Method::GET, uri);
                    (Span::none(), Some(request))
                };
                let _entered = span.enter();
                context::serving(request.as_ref(), || {
                    let refresh = tracing::info_span!("refresh", provider = "github");
                    refresh.in_scope(|| tracing::info!(n = 1u64, "in the refresh"));
                    tracing::info!("in the request");
                    tracing::warn!(parent: &span, latency_ms = 1.5, error = %"boom", "request failed");
                    refresh
                })
            };
            refresh.in_scope(|| tracing::info!("after the request"));
            tracing::info!("outside");
        });
        without_timestamps(&sink)
    }

    #[test]
    fn a_requests_lines_read_the_same_without_its_span() {
        for format in [LogFormat::Text, LogFormat::Json] {
            for path in ["/", "/github/torvalds", "/a\"b{c}"] {
                let in_span = request_lines(format, true, path);
                assert_eq!(request_lines(format, false, path), in_span);
                assert_eq!(in_span.len(), 5, "{in_span:?}");
                assert!(
                    in_span[..4].iter().all(|line| line.contains("request_id")),
                    "{in_span:?}"
                );
                assert!(!in_span[4].contains("request_id"), "{in_span:?}");
            }
        }
        let text = request_lines(LogFormat::Text, false, "/a\"b{c}");
        assert!(
            text[3].ends_with(
                "INFO request{request_id=7 method=GET path=\"/a\\\"b{c}\"}:\
                 refresh{provider=\"github\"}: after the request"
            ),
            "{text:?}"
        );
    }

    /// A request's line as the fmt layer writes it from `info!(status, latency_ms,
    /// "request")` in the request's span, and as [`access_line`] writes it.
    fn access_lines(
        format: LogFormat,
        level: Level,
        request: RequestFields<'_>,
        status: u16,
        latency_ms: f64,
    ) -> (String, String) {
        let (dispatch, sink) = ours(format);
        tracing::dispatcher::with_default(&dispatch, || {
            let (id, method, path) = (request.id, request.method, request.path);
            let span = tracing::info_span!("request", request_id = id, method = %method, path);
            if level == Level::DEBUG {
                tracing::debug!(target: "getimages::telemetry", parent: &span, status, latency_ms, "request");
            } else {
                tracing::info!(target: "getimages::telemetry", parent: &span, status, latency_ms, "request");
            }
        });
        let mut line = String::new();
        access_line(&mut line, format, level, request, status, latency_ms).unwrap();
        let strip = |line: &str| {
            line.split_once('Z')
                .map_or(line, |(_, rest)| rest)
                .to_owned()
        };
        (strip(&line), strip(&sink.text()))
    }

    #[test]
    fn the_access_line_is_the_line_the_fmt_layer_writes() {
        let paths = ["/", "/api/v1/lookup", "/a\"b{c}", "/%E2%82%AC/caf\u{e9}\t"];
        let latencies = [0.0, 0.25, 1.0, 12.345_678_9, 1e-7, 123_456_789.5, 1e17];
        for format in [LogFormat::Text, LogFormat::Json] {
            for (n, path) in paths.iter().enumerate() {
                for (level, status) in [(Level::INFO, 200), (Level::DEBUG, 404), (Level::INFO, 503)]
                {
                    for latency_ms in latencies {
                        let request = RequestFields {
                            id: u64::MAX - n as u64,
                            method: ["GET", "HEAD", "POST", "PURGE"][n],
                            path,
                        };
                        let (ours, theirs) =
                            access_lines(format, level, request, status, latency_ms);
                        assert_eq!(ours, theirs);
                        assert!(ours.ends_with('\n') && ours.contains("status"), "{ours}");
                    }
                }
            }
        }
    }

    #[test]
    fn access_lines_are_written_at_their_level_and_above_only() {
        let sink = Sink::default();
        let (writer, guard) = batched(16, FOREVER, Box::new(sink.clone()));
        let lines = |level| AccessLines {
            format: LogFormat::Text,
            level,
            output: Output::Batched(writer.clone()),
        };
        let request = RequestFields {
            id: 3,
            method: "GET",
            path: "/healthz",
        };
        lines(LevelFilter::WARN).write(Level::INFO, request, 200, 0.5);
        lines(LevelFilter::INFO).write(Level::DEBUG, request, 200, 0.5);
        lines(LevelFilter::INFO).write(Level::INFO, request, 201, 0.5);
        lines(LevelFilter::DEBUG).write(Level::DEBUG, request, 202, 0.5);
        drop(guard);
        let written = without_timestamps(&sink);
        assert_eq!(
            written,
            [
                "  INFO request{request_id=3 method=GET path=\"/healthz\"}: request status=201 latency_ms=0.5",
                " DEBUG request{request_id=3 method=GET path=\"/healthz\"}: request status=202 latency_ms=0.5",
            ]
        );
    }
}
