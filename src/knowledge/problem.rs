//! Problems found in the knowledge files, each with the place it was found.
//!
//! Loading collects every problem instead of stopping at the first one, so an
//! admin fixing a bad edit sees the whole list in one go.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong in a knowledge file, at `file:line`. Whatever a file's
/// content causes has a line (1 and up); line 0 is kept for what is about a
/// file or folder as a whole and no line of it: unreadable, misplaced, missing.
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

/// Turns byte offsets of one text into 1-based line numbers.
///
/// Built once per file: a file reports the line of every group, rule and
/// section it holds, and counting newlines from the top for each of them made
/// loading grow with the square of the file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { starts }
    }

    /// The line holding `offset`; an offset past the end is on the last line.
    pub fn line(&self, offset: usize) -> usize {
        // Lines starting at or before `offset`: `starts[0] == 0`, so at least one.
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// 1-based line of a byte offset in `text`, for a single lookup; build a
/// [`LineIndex`] for more.
pub fn line_of(text: &str, offset: usize) -> usize {
    LineIndex::new(text).line(offset)
}

/// A TOML syntax or shape error as a problem at its line. An error that
/// names no place (rare: toml gives spans for nearly everything) is put at
/// line 1, so every problem in a file's content has a line to jump to.
pub fn toml_problem(file: &Path, text: &str, err: &toml::de::Error) -> Problem {
    let line = err.span().map_or(1, |span| line_of(text, span.start));
    Problem::new(file, line, err.message().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old way: count the newlines before the offset.
    fn by_counting(text: &str, offset: usize) -> usize {
        text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    #[test]
    fn line_index_agrees_with_counting_newlines() {
        for text in ["", "a", "\n", "ab\ncd\n", "\n\nx\n\ny", "é\nñ\r\nz"] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    index.line(offset),
                    by_counting(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }
}
