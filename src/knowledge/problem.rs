//! Problems found in the knowledge files, each with the place it was found.
//!
//! Loading collects every problem instead of stopping at the first one, so an
//! admin fixing a bad edit sees the whole list in one go.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong in a knowledge file, at `file:line` (line 0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Problem {
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// Every problem found while loading a knowledge folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct Problems(pub Vec<Problem>);

fn render(problems: &[Problem]) -> String {
    let mut out = format!(
        "the knowledge has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

/// 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
