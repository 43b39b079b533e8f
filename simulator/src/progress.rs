//! Progress on stderr for the long phases of a run: bars (done out of expected, rate, ETA) when
//! stderr is a terminal, and one plain line when a phase starts and one when it ends, always, so
//! that a log that is no terminal (CI) still shows what the job is doing.
//!
//! [`Progress::new`] takes whether the output is a terminal: without one its bars are hidden
//! and draw nothing (indicatif's own stderr target would hide itself too; this makes it
//! explicit). While a [`Progress`] for a terminal lives, [`eprintln`] prints above its bars
//! instead of through them.

use indicatif::{
    HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle,
};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The bars of a terminal [`Progress`], for [`eprintln`].
static ACTIVE: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Prints `line` to stderr; above the bars when a terminal [`Progress`] draws them.
pub fn eprintln(line: impl std::fmt::Display) {
    let active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match active {
        Some(m) => m.suspend(|| std::eprintln!("{line}")),
        None => std::eprintln!("{line}"),
    }
}

/// Where a bar of its own draws: stderr when `terminal`, nowhere otherwise.
pub fn draw_target(terminal: bool) -> ProgressDrawTarget {
    if terminal {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// `label [=====>    ] done/expected unit rate/s ETA message`.
pub fn style(label: &str, unit: &str) -> ProgressStyle {
    let template = format!(
        "{label:<20} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} {{rate}} ETA {{eta}} {{msg}}"
    );
    ProgressStyle::with_template(&template)
        .expect("valid template")
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate(s.per_sec()));
        })
        .progress_chars("=> ")
}

/// Units per second, whole above 10 (`7,865/s`), one decimal below (`4.9/s`).
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec >= 10.0 {
        format!("{}/s", HumanCount(per_sec.round() as u64))
    } else if per_sec.is_finite() && per_sec > 0.0 {
        format!("{per_sec:.1}/s")
    } else {
        "0/s".into()
    }
}

/// Whether stderr is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The bars of one run.
#[derive(Debug)]
pub struct Progress {
    multi: MultiProgress,
    registered: bool,
    lines: Lines,
}

/// Where the plain phase lines go: stderr, or a list (tests).
#[derive(Debug, Clone, Default)]
struct Lines(Option<Arc<Mutex<Vec<String>>>>);

impl Lines {
    fn print(&self, multi: &MultiProgress, line: String) {
        match &self.0 {
            Some(v) => v.lock().unwrap_or_else(|e| e.into_inner()).push(line),
            None => multi.suspend(|| std::eprintln!("{line}")),
        }
    }
}

impl Progress {
    /// Bars on stderr when `terminal`, hidden otherwise.
    pub fn new(terminal: bool) -> Self {
        if !terminal {
            return Progress::with_target(draw_target(false));
        }
        let mut p = Progress::with_target(draw_target(true));
        *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.multi.clone());
        p.registered = true;
        p
    }

    /// Bars on stderr if it is a terminal.
    pub fn stderr() -> Self {
        Progress::new(stderr_is_terminal())
    }

    /// Bars drawn to `target` (tests draw to a fake terminal).
    pub fn with_target(target: ProgressDrawTarget) -> Self {
        Progress {
            multi: MultiProgress::with_draw_target(target),
            registered: false,
            lines: Lines::default(),
        }
    }

    /// True when nothing is drawn.
    pub fn is_hidden(&self) -> bool {
        self.multi.is_hidden()
    }

    /// A line that redraws itself (`{spinner} {msg}`: set its message), for a run whose end is
    /// not known in advance.
    pub fn spinner(&self) -> ProgressBar {
        let pb =
            self.multi.add(ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
            ));
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        pb
    }

    /// Announces phase `name` with one plain line (`detail`: what it expects).
    pub fn phase(&self, name: impl Into<String>, detail: impl std::fmt::Display) -> Phase {
        let name = name.into();
        self.lines
            .print(&self.multi, format!("e2e: {name}: started, {detail}"));
        Phase {
            name,
            started: Instant::now(),
            multi: self.multi.clone(),
            bars: Vec::new(),
            lines: self.lines.clone(),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.registered {
            *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

/// One phase: its bars, and the line that ends it.
#[derive(Debug)]
pub struct Phase {
    name: String,
    started: Instant,
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
    lines: Lines,
}

impl Phase {
    /// A bar of `len` `unit`s (e.g. "records") with done/expected, rate and ETA; `label`
    /// leads the line.
    pub fn bar(&mut self, label: &str, len: u64, unit: &str) -> ProgressBar {
        let pb = self
            .multi
            .add(ProgressBar::no_length().with_style(style(label, unit)));
        pb.set_length(len);
        self.bars.push(pb.clone());
        pb
    }

    /// Seconds since the phase started.
    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Clears the bars and ends the phase with one plain line: `summary` and the seconds.
    pub fn finish(mut self, summary: impl std::fmt::Display) {
        self.clear();
        let line = format!(
            "e2e: {}: done, {summary}, {:.1} s",
            self.name,
            self.seconds()
        );
        self.lines.print(&self.multi, line);
    }
}

impl Phase {
    fn clear(&mut self) {
        for b in self.bars.drain(..) {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
    }
}

/// A phase that ends early (an error) takes its bars away; its line is not printed.
impl Drop for Phase {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;

    /// `p` with its plain lines kept in the returned list.
    fn capturing(mut p: Progress) -> (Progress, Arc<Mutex<Vec<String>>>) {
        let v = Arc::new(Mutex::new(Vec::new()));
        p.lines = Lines(Some(v.clone()));
        (p, v)
    }

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Clone, Default)]
    struct FakeTerm(Arc<Mutex<String>>);

    impl TermLike for FakeTerm {
        fn width(&self) -> u16 {
            160
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            let mut t = self.0.lock().unwrap();
            t.push_str(s);
            t.push('\n');
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rates_are_whole_above_ten_per_second() {
        assert_eq!(rate(7864.9582), "7,865/s");
        assert_eq!(rate(4.8912), "4.9/s");
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(f64::INFINITY), "0/s");
    }

    #[test]
    fn without_a_terminal_the_bars_are_hidden() {
        let (p, lines) = capturing(Progress::new(false));
        assert!(p.is_hidden());
        let mut phase = p.phase("upload vpc", "3 objects");
        let bar = phase.bar("vpc", 3, "objects");
        assert!(bar.is_hidden());
        bar.inc(3);
        phase.finish("3 objects, 120 bytes");
        // Nothing registered: other lines go straight to stderr.
        assert!(ACTIVE.lock().unwrap().is_none());
        // The phase still says when it starts and ends, in plain lines.
        let lines = lines.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], "e2e: upload vpc: started, 3 objects");
        assert!(
            lines[1].starts_with("e2e: upload vpc: done, 3 objects, 120 bytes, ")
                && lines[1].ends_with(" s"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_bar_of_its_own_is_hidden_without_a_terminal() {
        assert!(draw_target(false).is_hidden());
        let bar = ProgressBar::with_draw_target(Some(4), draw_target(false));
        assert!(bar.is_hidden());
        // On a terminal it draws where indicatif's stderr target does.
        assert_eq!(draw_target(true).is_hidden(), !stderr_is_terminal());
    }

    #[test]
    fn indicatifs_stderr_target_hides_itself_when_stderr_is_no_terminal() {
        assert_eq!(
            ProgressDrawTarget::stderr().is_hidden(),
            !stderr_is_terminal()
        );
    }

    #[test]
    fn on_a_terminal_a_bar_shows_done_out_of_expected_rate_and_eta() {
        let term = FakeTerm::default();
        let p = Progress::with_target(ProgressDrawTarget::term_like(Box::new(term.clone())));
        assert!(!p.is_hidden());
        let mut phase = p.phase("drain", "10 objects");
        let bar = phase.bar("objects", 10, "objects");
        assert!(!bar.is_hidden());
        bar.set_position(3);
        bar.tick();
        let drawn = term.0.lock().unwrap().clone();
        assert!(drawn.contains("3/10 objects"), "{drawn:?}");
        assert!(drawn.contains("/s") && drawn.contains("ETA"), "{drawn:?}");
        phase.finish("10 objects");
    }
}
