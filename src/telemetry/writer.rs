//! Where log lines go: straight to stderr, or appended to a buffer that a writer thread
//! writes out in batches, a short while after the first line of a batch or at once when the
//! buffer fills, so that a busy server makes one wake-up and one system call per batch, not
//! per line, and is never slowed (or blocked) by its own logs: when the buffer is full a
//! line is dropped and counted ([`dropped_lines`], in /metrics). What is buffered is
//! written out when the [`LogGuard`] is dropped.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer thread lets a batch gather after its first line.
pub(super) const BATCH_WAIT: Duration = Duration::from_millis(100);

/// Buffered bytes that are written out at once, without waiting for the batch to gather.
const BATCH_BYTES: usize = 64 * 1024;

/// The batching writer's state, once [`init`] has run, for [`dropped_lines`].
static BATCHES: OnceLock<Arc<Batches>> = OnceLock::new();

/// The output of [`super::init`]: with room for `buffered_lines` in the writer thread's
/// batches (the guard keeps the thread), or straight to stderr when it is 0.
pub(super) fn stderr(buffered_lines: usize) -> (Output, Option<LogGuard>) {
    if buffered_lines == 0 {
        return (Output::Direct, None);
    }
    let (writer, guard) = batched(buffered_lines, BATCH_WAIT, Box::new(io::stderr()));
    let _ = BATCHES.set(writer.0.clone());
    (Output::Batched(writer), Some(guard))
}

/// Log lines dropped so far because the buffer was full.
pub fn dropped_lines() -> u64 {
    BATCHES
        .get()
        .map_or(0, |b| b.dropped.load(Ordering::Relaxed))
}

/// Where lines go: straight to stderr, or into the batches of the writer thread.
#[derive(Clone)]
pub(super) enum Output {
    Direct,
    Batched(BatchWriter),
}

/// One line's writer, made for each line.
pub(super) enum LineWriter<'a> {
    Direct(io::Stderr),
    Batched(&'a Batches),
}

impl<'a> MakeWriter<'a> for Output {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        match self {
            Self::Direct => LineWriter::Direct(io::stderr()),
            Self::Batched(writer) => LineWriter::Batched(&writer.0),
        }
    }
}

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        match self {
            Self::Direct(stderr) => stderr.write(line),
            Self::Batched(batches) => {
                batches.push(line);
                Ok(line.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Direct(stderr) => stderr.flush(),
            Self::Batched(_) => Ok(()),
        }
    }
}

/// The writer side of the batches: each `write` is one whole line (the fmt layer writes a
/// line at once).
#[derive(Clone)]
pub(super) struct BatchWriter(Arc<Batches>);

/// Keeps the writer thread; dropping it writes out every line still buffered and ends the
/// thread. Lines logged after that are written straight to the output.
pub struct LogGuard {
    batches: Arc<Batches>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.batches.lock().stopping = true;
        self.batches.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Lines waiting for the writer thread, shared with it.
pub(super) struct Batches {
    state: Mutex<Batch>,
    /// Wakes the writer thread: a first line came, the buffer filled, or it is stopping.
    wake: Condvar,
    /// Where the writer thread writes, and lines logged after it ended.
    output: Mutex<Box<dyn Write + Send>>,
    /// Most lines waiting at once; more are dropped.
    max_lines: usize,
    /// How long a batch gathers after its first line ([`BATCH_WAIT`]).
    wait: Duration,
    dropped: AtomicU64,
}

struct Batch {
    lines: Vec<u8>,
    count: usize,
    thread: ThreadState,
    /// The guard was dropped: write out what is left and end.
    stopping: bool,
    /// The writer thread has ended: lines go straight to the output.
    ended: bool,
}

/// What the writer thread is doing, so that a line wakes it only when it waits for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ThreadState {
    /// Waiting for a first line.
    Idle,
    /// Letting a batch gather, until [`BATCH_WAIT`] has passed or [`BATCH_BYTES`] are in.
    Gathering,
    /// Writing, or already woken.
    Busy,
}

impl Batches {
    fn lock(&self) -> MutexGuard<'_, Batch> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_out(&self, bytes: &[u8]) {
        let mut output = self.output.lock().unwrap_or_else(PoisonError::into_inner);
        // Nowhere to report a failing stderr.
        let _ = output.write_all(bytes).and_then(|()| output.flush());
    }

    /// Adds one line, waking the writer thread only if it waits for it.
    fn push(&self, line: &[u8]) {
        let mut batch = self.lock();
        if batch.ended {
            drop(batch);
            self.write_out(line);
            return;
        }
        if batch.count >= self.max_lines {
            drop(batch);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        batch.lines.extend_from_slice(line);
        batch.count += 1;
        let wake = match batch.thread {
            ThreadState::Idle => true,
            ThreadState::Gathering => batch.lines.len() >= BATCH_BYTES,
            ThreadState::Busy => false,
        };
        if wake {
            batch.thread = ThreadState::Busy;
            drop(batch);
            self.wake.notify_one();
        }
    }

    /// The writer thread: waits for a first line, lets the batch gather, writes it out in
    /// one go, again until stopped.
    fn run(&self) {
        let mut writing = Vec::new();
        loop {
            let mut batch = self.lock();
            while batch.lines.is_empty() && !batch.stopping {
                batch.thread = ThreadState::Idle;
                batch = self
                    .wake
                    .wait(batch)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            let deadline = Instant::now() + self.wait;
            while !batch.stopping && batch.lines.len() < BATCH_BYTES {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                batch.thread = ThreadState::Gathering;
                batch = self
                    .wake
                    .wait_timeout(batch, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            batch.thread = ThreadState::Busy;
            std::mem::swap(&mut batch.lines, &mut writing);
            batch.count = 0;
            let stopping = batch.stopping;
            drop(batch);
            self.write_out(&writing);
            writing.clear();
            // A burst's buffer is not kept for the life of the process.
            writing.shrink_to(BATCH_BYTES);
            if stopping {
                let mut batch = self.lock();
                if batch.lines.is_empty() {
                    batch.ended = true;
                    return;
                }
            }
        }
    }
}

/// The batching writer to `output` with room for `max_lines`, each batch gathering for
/// `wait`, and the guard that keeps its thread.
pub(super) fn batched(
    max_lines: usize,
    wait: Duration,
    output: Box<dyn Write + Send>,
) -> (BatchWriter, LogGuard) {
    let batches = Arc::new(Batches {
        state: Mutex::new(Batch {
            lines: Vec::new(),
            count: 0,
            thread: ThreadState::Busy,
            stopping: false,
            ended: false,
        }),
        wake: Condvar::new(),
        output: Mutex::new(output),
        max_lines,
        wait,
        dropped: AtomicU64::new(0),
    });
    let running = batches.clone();
    let thread = std::thread::Builder::new()
        .name("getimages-log".into())
        .spawn(move || running.run())
        .ok();
    if thread.is_none() {
        // No thread: every line is written as it comes.
        batches.lock().ended = true;
    }
    (BatchWriter(batches.clone()), LogGuard { batches, thread })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Everything written to it, shared with the test.
    #[derive(Clone, Default)]
    pub(crate) struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Sink {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Longer than any test: only a full buffer or the stop writes a batch out.
    pub(crate) const FOREVER: Duration = Duration::from_secs(3600);

    #[test]
    fn every_line_is_written_by_the_time_the_guard_is_dropped() {
        let sink = Sink::default();
        let (writer, guard) = batched(100, FOREVER, Box::new(sink.clone()));
        for n in 0..50 {
            writer.0.push(format!("line {n}\n").as_bytes());
        }
        assert_eq!(sink.text(), "", "the batch is still gathering");
        drop(guard);
        let expected: String = (0..50).map(|n| format!("line {n}\n")).collect();
        assert_eq!(sink.text(), expected);

        writer.0.push(b"after the stop\n");
        assert!(
            sink.text().ends_with("line 49\nafter the stop\n"),
            "a line logged after the stop is written at once"
        );
    }

    #[test]
    fn a_batch_is_written_without_a_stop() {
        let sink = Sink::default();
        let (writer, _guard) = batched(100, BATCH_WAIT, Box::new(sink.clone()));
        writer.0.push(b"one\n");
        writer.0.push(b"two\n");
        // Generous: the batch goes out after BATCH_WAIT.
        let patience = Instant::now() + Duration::from_secs(10);
        while sink.text() != "one\ntwo\n" {
            assert!(
                Instant::now() < patience,
                "never written: {:?}",
                sink.text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_full_buffer_is_written_without_waiting_for_the_batch() {
        let sink = Sink::default();
        let (writer, _guard) = batched(100_000, FOREVER, Box::new(sink.clone()));
        let line = format!("{}\n", "x".repeat(99));
        for _ in 0..BATCH_BYTES / line.len() + 1 {
            writer.0.push(line.as_bytes());
        }
        let patience = Instant::now() + Duration::from_secs(10);
        while sink.text().len() < BATCH_BYTES {
            assert!(
                Instant::now() < patience,
                "{} bytes written",
                sink.text().len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn lines_past_the_room_are_dropped_and_counted() {
        let sink = Sink::default();
        let (writer, guard) = batched(3, BATCH_WAIT, Box::new(sink.clone()));
        // Held, so the writer thread can take one batch at most while the lines come in.
        {
            let _output = writer.0.output.lock().unwrap();
            for n in 0..10 {
                writer.0.push(format!("{n}\n").as_bytes());
            }
        }
        drop(guard);
        let written = sink.text().lines().count();
        let dropped = writer.0.dropped.load(Ordering::Relaxed);
        assert_eq!(written as u64 + dropped, 10);
        assert!(dropped > 0, "{written} written, none dropped");
    }
}
