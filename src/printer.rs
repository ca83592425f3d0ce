//! All terminal output goes through one [`Printer`]: results on stdout, progress and
//! messages on stderr, verbosity and colour decided once, and every line passed
//! through [`secrets::redact`](crate::secrets::redact) on its way out.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use crate::secrets;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

pub struct Printer {
    /// -1 quiet, 0 normal, 1+ verbose.
    verbosity: i8,
    color: bool,
    lock: Mutex<()>,
}

#[derive(Debug, Clone, Copy)]
pub enum Style {
    Green,
    Yellow,
    Red,
    Cyan,
    Bold,
    Dim,
}

impl Printer {
    pub fn new(verbosity: i8, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Printer { verbosity, color, lock: Mutex::new(()) }
    }

    pub fn verbosity(&self) -> i8 {
        self.verbosity
    }

    /// Whether output carries ANSI colour codes (never when redirected or `--color never`).
    pub fn color(&self) -> bool {
        self.color
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match style {
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Cyan => "36",
            Style::Bold => "1",
            Style::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn write(&self, to_stdout: bool, text: &str) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let text = secrets::redact(text);
        // A closed pipe (`infra status | head`) is not an error worth a panic.
        let _ = if to_stdout { writeln!(std::io::stdout().lock(), "{text}") } else { writeln!(std::io::stderr().lock(), "{text}") };
    }

    /// A result the user asked for (plan, status, outputs): stdout, even when quiet.
    pub fn out(&self, text: &str) {
        self.write(true, text);
    }

    /// Progress and notes: stderr, hidden by `--quiet`.
    pub fn status(&self, verb: &str, style: Style, message: &str) {
        if self.verbosity >= 0 {
            let verb = format!("{verb:>12}");
            self.write(false, &format!("{} {message}", self.paint(style, &verb)));
        }
    }

    pub fn note(&self, message: &str) {
        if self.verbosity >= 0 {
            self.write(false, message);
        }
    }

    /// Extra detail shown with `-v`.
    pub fn verbose(&self, message: &str) {
        if self.verbosity >= 1 {
            self.write(false, message);
        }
    }

    pub fn warn(&self, message: &str) {
        self.write(false, &format!("{} {message}", self.paint(Style::Yellow, "warning:")));
    }

    pub fn error(&self, message: &str) {
        self.write(false, &format!("{} {message}", self.paint(Style::Red, "error:")));
    }

    /// Ask a question on the terminal (stderr) and read one line of answer.
    pub fn prompt(&self, question: &str) -> std::io::Result<String> {
        use std::io::BufRead;
        {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            let mut err = std::io::stderr().lock();
            write!(err, "{}", secrets::redact(question))?;
            err.flush()?;
        }
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(answer)
    }
}

/// Log lines from `tracing` go to stderr, masked like everything else.
pub struct RedactingStderr;

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().lock().write_all(secrets::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
