//! Turns one knowledge document (a small subset of Markdown) into passages.
//!
//! A passage is what a good answer shows: a paragraph, one "Label: explanation"
//! list item, or a short list kept whole with its lead-in. Ids are
//! `<doc>/<section-slug>/<n>`, counted from 1 inside each section, so they stay
//! stable while other sections are edited. A heading may fix its slug with a
//! trailing `{#slug}`, which is how editions in other languages keep the same ids.
//!
//! The parser never stops at the first problem: it records each one with its
//! line and goes on, so one run lists everything an admin must fix.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::problem::Problem;
use crate::lang::Lang;

/// A parsed document: its title and sections, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub file: PathBuf,
    pub lang: Lang,
    pub title: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub slug: String,
    pub title: String,
    pub line: usize,
    pub passages: Vec<Passage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// `<doc>/<section-slug>/<n>`
    pub id: String,
    pub text: String,
    /// What the search index sees. The same as `text`, except for a list
    /// overview, which is found by its lead-in alone: its labels belong to
    /// the items, which must win questions about them.
    pub search: String,
    pub line: usize,
    /// Alternate questions: other ways people ask for this passage (`? …`
    /// lines under it). Indexed in a field of their own, never shown.
    pub questions: Vec<String>,
}

impl Passage {
    /// Whether it shows a list (kept whole, or an overview of its items):
    /// its items can be counted, so it answers "how many kinds".
    pub fn is_list(&self) -> bool {
        self.bullets().next().is_some()
    }

    /// How many item passages follow it: a list overview's items, 0 for
    /// any other passage.
    pub fn overview_items(&self) -> usize {
        if self.search == self.text {
            0
        } else {
            self.bullets().count()
        }
    }

    /// The lines that show a list's items.
    fn bullets(&self) -> impl Iterator<Item = &str> {
        self.text.lines().filter(|l| l.starts_with(BULLET))
    }
}

/// How a passage shows a list's items, one per line; a paragraph's lines
/// are joined, so no other text starts a line with it.
const BULLET: &str = "- ";

/// Lists whose items are all at most this long, and unlabeled, are shown whole.
const SHORT_ITEM_CHARS: usize = 80;
/// A "Label: explanation" label is a short phrase, not a sentence with a colon.
const MAX_LABEL_CHARS: usize = 80;
const MAX_LABEL_WORDS: usize = 10;

/// An alternate question and its line.
type Asked = Vec<(String, usize)>;

/// A paragraph or list item: its text, its first and last lines, its
/// alternate questions.
struct Text {
    text: String,
    line: usize,
    end: usize,
    questions: Asked,
}

enum Block {
    Paragraph(Text),
    List { items: Vec<Text> },
}

struct RawSection {
    slug: String,
    title: String,
    line: usize,
    /// Questions under the heading: they belong to the first passage.
    questions: Asked,
    blocks: Vec<Block>,
}

/// Where a passage's alternate questions stand in its file, so that
/// [`crate::knowledge::teach`] can write one more where the format puts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionSlot {
    /// The line of each of the passage's `questions`, in the same order.
    pub lines: Vec<usize>,
    /// The line a new question goes right after: the passage's last
    /// question, else its last line; past a comment left open there, whose
    /// inside the question would vanish into.
    pub after: usize,
}

/// Lowercase ASCII slug of a title: accents folded, everything else to dashes.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in crate::lang::folded(title) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Splits `Title {#slug}` into its title and explicit slug.
fn split_heading(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim();
    if let Some(start) = raw.rfind("{#") {
        if raw.ends_with('}') {
            let slug = raw[start + 2..raw.len() - 1].trim().to_string();
            return (raw[..start].trim().to_string(), Some(slug));
        }
    }
    (raw.to_string(), None)
}

/// Emphasis markers carry no meaning for answers and would break label detection.
fn clean(text: &str) -> String {
    text.replace("**", "").replace("__", "").trim().to_string()
}

/// The label of a "Label: explanation" item, if it is one.
pub fn label_of(item: &str) -> Option<&str> {
    let (label, rest) = item.split_once(": ")?;
    let label = label.trim();
    let plausible = !label.is_empty()
        && label.chars().count() <= MAX_LABEL_CHARS
        && label.split_whitespace().count() <= MAX_LABEL_WORDS
        && !label.contains(['.', ';', '?', '!'])
        && !rest.trim().is_empty();
    plausible.then_some(label)
}

/// Parses `text`, the content of `file`, as the document `doc_id` in `lang`.
/// Problems are pushed to `problems`; the document is returned even when some
/// were found, so callers can keep checking the rest.
pub fn parse(
    file: &Path,
    doc_id: &str,
    lang: Lang,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Document {
    parse_with_slots(file, doc_id, lang, text, problems).0
}

/// [`parse`], and where each passage's alternate questions stand: one
/// [`QuestionSlot`] per passage, in file order (sections, then passages).
pub fn parse_with_slots(
    file: &Path,
    doc_id: &str,
    lang: Lang,
    text: &str,
    problems: &mut Vec<Problem>,
) -> (Document, Vec<QuestionSlot>) {
    // The title and its line.
    let mut title: Option<(String, usize)> = None;
    let mut sections: Vec<RawSection> = Vec::new();
    // What the current line may continue: the last paragraph or list item.
    let mut open_block = false;
    let mut comments = Comments::default();
    let mut reported_orphan = false;
    // Slug → line of the section that first used it.
    let mut slugs: HashMap<String, usize> = HashMap::new();
    // Whether a comment is still open at the end of each line (index: line - 1).
    let mut comment_open_after: Vec<bool> = Vec::new();

    for (i, raw_line) in text.lines().enumerate() {
        let line_no = i + 1;
        let (uncommented, had_comment) = comments.strip(raw_line, line_no);
        comment_open_after.push(comments.open_since.is_some());
        let trimmed = uncommented.trim();

        // A line that held only a comment is not there at all: unlike a
        // blank line, it does not end the paragraph around it.
        if had_comment && trimmed.is_empty() {
            continue;
        }
        if trimmed.is_empty() {
            open_block = false;
            continue;
        }

        if let Some(rest) = heading(trimmed, 1) {
            open_block = false;
            if title.is_some() {
                problems.push(Problem::new(
                    file,
                    line_no,
                    "a second '#' title: a document has exactly one",
                ));
            } else if !sections.is_empty() {
                problems.push(Problem::new(
                    file,
                    line_no,
                    "the '#' title must come before the sections",
                ));
            } else if rest.is_empty() {
                problems.push(Problem::new(file, line_no, "the '#' title is empty"));
            } else {
                title = Some((rest.to_string(), line_no));
            }
            continue;
        }
        if let Some(rest) = heading(trimmed, 2) {
            open_block = false;
            let (section_title, explicit) = split_heading(rest);
            if section_title.is_empty() {
                problems.push(Problem::new(
                    file,
                    line_no,
                    "a '##' section without a title",
                ));
                continue;
            }
            let slug = match explicit {
                Some(slug) if is_valid_slug(&slug) => slug,
                Some(slug) => {
                    problems.push(Problem::new(
                        file,
                        line_no,
                        format!(
                            "section id '{{#{slug}}}' must use only a-z, 0-9 and '-' (for example {{#{}}})",
                            slugify(&slug)
                        ),
                    ));
                    slugify(&section_title)
                }
                None => slugify(&section_title),
            };
            if slug.is_empty() {
                problems.push(Problem::new(
                    file,
                    line_no,
                    format!(
                        "section '{section_title}' gives an empty id: add one with {{#some-id}}"
                    ),
                ));
            }
            match slugs.entry(slug.clone()) {
                Entry::Occupied(first) => problems.push(Problem::new(
                    file,
                    line_no,
                    format!(
                        "duplicate section id '{slug}' (first used at line {})",
                        first.get()
                    ),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(line_no);
                }
            }
            sections.push(RawSection {
                slug,
                title: section_title,
                line: line_no,
                questions: Vec::new(),
                blocks: Vec::new(),
            });
            continue;
        }
        if trimmed.starts_with('#') && trimmed.trim_start_matches('#').starts_with(' ') {
            problems.push(Problem::new(
                file,
                line_no,
                "only '#' (title) and '##' (section) headings are supported",
            ));
            continue;
        }

        if let Some(asked) = alternate_question(trimmed) {
            // A question attaches to what is above it and leaves the block
            // open, so a list goes on after its items' questions.
            let Some(section) = sections.last_mut() else {
                problems.push(Problem::new(
                    file,
                    line_no,
                    "an alternate question before any section: put it under the passage it asks for",
                ));
                continue;
            };
            if asked.is_empty() {
                problems.push(Problem::new(
                    file,
                    line_no,
                    "an empty alternate question: write the question after '? '",
                ));
                continue;
            }
            let entry = (asked.to_string(), line_no);
            match section.blocks.last_mut() {
                None => section.questions.push(entry),
                Some(Block::Paragraph(p)) => p.questions.push(entry),
                Some(Block::List { items }) => items
                    .last_mut()
                    .expect("a list has an item")
                    .questions
                    .push(entry),
            }
            continue;
        }

        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        let Some(section) = sections.last_mut() else {
            if !reported_orphan {
                let what = if item.is_some() { "list" } else { "text" };
                problems.push(Problem::new(
                    file,
                    line_no,
                    format!("{what} before any section: start a section with '## Title' first"),
                ));
                reported_orphan = true;
            }
            continue;
        };

        match item {
            Some(item) => {
                let entry = Text {
                    text: item.trim().to_string(),
                    line: line_no,
                    end: line_no,
                    questions: Vec::new(),
                };
                match (open_block, section.blocks.last_mut()) {
                    (true, Some(Block::List { items })) => items.push(entry),
                    _ => section.blocks.push(Block::List { items: vec![entry] }),
                }
            }
            None => match (open_block, section.blocks.last_mut()) {
                // Lazy continuation: a line right under a paragraph or item extends it.
                (true, Some(Block::Paragraph(p))) => {
                    p.text.push(' ');
                    p.text.push_str(trimmed);
                    p.end = line_no;
                }
                (true, Some(Block::List { items })) => {
                    let last = items.last_mut().expect("a list has an item");
                    last.text.push(' ');
                    last.text.push_str(trimmed);
                    last.end = line_no;
                }
                _ => section.blocks.push(Block::Paragraph(Text {
                    text: trimmed.to_string(),
                    line: line_no,
                    end: line_no,
                    questions: Vec::new(),
                })),
            },
        }
        open_block = true;
    }

    if let Some(line) = comments.open_since {
        problems.push(Problem::new(
            file,
            line,
            "an HTML comment '<!--' is never closed: end it with '-->'",
        ));
    }
    let (title, title_line) = title.unwrap_or_else(|| {
        problems.push(Problem::new(
            file,
            1,
            "the document has no '#' title: start it with '# Title'",
        ));
        (doc_id.to_string(), 1)
    });
    if sections.is_empty() && !reported_orphan {
        // Said under the title, where the sections should follow.
        problems.push(Problem::new(
            file,
            title_line,
            "the document has no '##' sections, so nothing can be answered from it",
        ));
    }

    let mut slots = Vec::new();
    let sections = sections
        .into_iter()
        .map(|raw| {
            if raw.blocks.is_empty() {
                problems.push(Problem::new(
                    file,
                    raw.line,
                    format!("section '{}' is empty", raw.title),
                ));
                if let Some(&(_, line)) = raw.questions.first() {
                    problems.push(Problem::new(
                        file,
                        line,
                        "an alternate question with no passage to attach to",
                    ));
                }
            }
            report_duplicate_questions(file, &raw, problems);
            let passages = passages_of(doc_id, &raw.slug, raw.questions, raw.blocks, &mut slots);
            Section {
                slug: raw.slug,
                title: raw.title,
                line: raw.line,
                passages,
            }
        })
        .collect();
    for slot in &mut slots {
        while comment_open_after
            .get(slot.after - 1)
            .copied()
            .unwrap_or(false)
        {
            slot.after += 1;
        }
    }

    let document = Document {
        id: doc_id.to_string(),
        file: file.to_path_buf(),
        lang,
        title,
        sections,
    };
    (document, slots)
}

/// Author comments (`<!-- … -->`), which readers must never see. They may
/// stand anywhere: mid-line, several on a line, across lines.
#[derive(Default)]
struct Comments {
    /// The line of the `<!--` still waiting for its `-->`.
    open_since: Option<usize>,
}

impl Comments {
    const OPEN: &'static str = "<!--";
    const CLOSE: &'static str = "-->";

    /// `line` without its comments, and whether it had any. The text on both
    /// sides of a comment is kept; where both sides have a space at the cut,
    /// one is enough.
    fn strip<'a>(&mut self, line: &'a str, line_no: usize) -> (Cow<'a, str>, bool) {
        if self.open_since.is_none() && !line.contains(Self::OPEN) {
            return (Cow::Borrowed(line), false);
        }
        let mut kept = String::new();
        let mut rest = line;
        loop {
            if self.open_since.is_some() {
                let Some(end) = rest.find(Self::CLOSE) else {
                    break;
                };
                self.open_since = None;
                rest = &rest[end + Self::CLOSE.len()..];
                if kept.ends_with(char::is_whitespace) {
                    rest = rest.trim_start();
                }
            } else {
                let Some(start) = rest.find(Self::OPEN) else {
                    kept.push_str(rest);
                    break;
                };
                kept.push_str(&rest[..start]);
                self.open_since = Some(line_no);
                rest = &rest[start + Self::OPEN.len()..];
            }
        }
        (Cow::Owned(kept), true)
    }
}

fn heading(line: &str, level: usize) -> Option<&str> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    if hashes != level {
        return None;
    }
    let rest = &line[level..];
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(' ').map(str::trim)
    }
}

/// A passage before it gets its id.
struct Draft {
    text: String,
    /// What the index sees when it is not `text` (a list overview's lead-in).
    search: Option<String>,
    line: usize,
    /// Its last line of text.
    end: usize,
    questions: Asked,
}

impl Draft {
    fn of(t: Text) -> Draft {
        Draft {
            text: t.text,
            search: None,
            line: t.line,
            end: t.end,
            questions: t.questions,
        }
    }
}

fn passages_of(
    doc_id: &str,
    slug: &str,
    heading: Asked,
    blocks: Vec<Block>,
    slots: &mut Vec<QuestionSlot>,
) -> Vec<Passage> {
    let mut out: Vec<Draft> = Vec::new();
    let mut blocks = blocks.into_iter().peekable();
    while let Some(block) = blocks.next() {
        match block {
            Block::Paragraph(mut p) => {
                p.text = clean(&p.text);
                let leads_list =
                    p.text.ends_with(':') && matches!(blocks.peek(), Some(Block::List { .. }));
                if leads_list {
                    let Some(Block::List { items }) = blocks.next() else {
                        unreachable!("peeked a list");
                    };
                    list_passages(Some(p), items, &mut out);
                } else {
                    out.push(Draft::of(p));
                }
            }
            Block::List { items } => list_passages(None, items, &mut out),
        }
    }
    if let Some(first) = out.first_mut() {
        first.questions.splice(0..0, heading);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, d)| {
            let (questions, lines): (Vec<String>, Vec<usize>) = d.questions.into_iter().unzip();
            slots.push(QuestionSlot {
                after: lines.iter().copied().max().unwrap_or(d.end),
                lines,
            });
            Passage {
                id: format!("{doc_id}/{slug}/{}", i + 1),
                search: d.search.unwrap_or_else(|| d.text.clone()),
                text: d.text,
                line: d.line,
                questions,
            }
        })
        .collect()
}

/// A short plain list stays whole with its lead-in. A longer one gives an
/// overview (lead-in with the labels, or with the items when unlabeled) and
/// then one passage per item, so both "which types are there?" and a question
/// about one type find a passage that answers exactly that.
fn list_passages(lead_in: Option<Text>, items: Vec<Text>, out: &mut Vec<Draft>) {
    let items: Vec<Text> = items
        .into_iter()
        .map(|t| Text {
            text: clean(&t.text),
            ..t
        })
        .collect();
    let labels: Vec<Option<&str>> = items.iter().map(|t| label_of(&t.text)).collect();
    let labeled = labels.iter().all(Option::is_some);
    let short = !labels.iter().any(Option::is_some)
        && items
            .iter()
            .all(|t| t.text.chars().count() <= SHORT_ITEM_CHARS);
    let bullets = |texts: &mut dyn Iterator<Item = &str>| -> String {
        texts
            .map(|t| format!("{BULLET}{t}"))
            .collect::<Vec<_>>()
            .join("\n")
    };

    if short {
        // One passage: it answers every question asked of its parts.
        let list = bullets(&mut items.iter().map(|t| t.text.as_str()));
        let mut questions: Asked = Vec::new();
        let end = items.last().expect("a list has an item").end;
        let (text, line) = match lead_in {
            Some(lead) => {
                questions.extend(lead.questions);
                (format!("{}\n{list}", lead.text), lead.line)
            }
            None => (list, items[0].line),
        };
        questions.extend(items.into_iter().flat_map(|t| t.questions));
        out.push(Draft {
            text,
            search: None,
            line,
            end,
            questions,
        });
        return;
    }
    if let Some(lead) = lead_in {
        let summary = if labeled {
            bullets(&mut labels.iter().map(|l| l.expect("all labeled")))
        } else {
            bullets(&mut items.iter().map(|t| t.text.as_str()))
        };
        out.push(Draft {
            text: format!("{}\n{summary}", lead.text),
            search: Some(lead.text),
            line: lead.line,
            end: lead.end,
            questions: lead.questions,
        });
    }
    out.extend(items.into_iter().map(Draft::of));
}

/// `? question` marks an alternate question; returns the question (maybe empty).
pub fn alternate_question(line: &str) -> Option<&str> {
    match line.strip_prefix('?') {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => Some(rest.trim()),
        _ => None,
    }
}

/// The same question twice in one section (accents, case and punctuation
/// aside) is a copy-paste slip: it would only weigh its passage twice.
fn report_duplicate_questions(file: &Path, section: &RawSection, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let texts = section.blocks.iter().flat_map(|b| match b {
        Block::Paragraph(p) => std::slice::from_ref(p),
        Block::List { items } => items.as_slice(),
    });
    let all = section
        .questions
        .iter()
        .chain(texts.flat_map(|t| t.questions.iter()));
    for (question, line) in all {
        match seen.entry(slugify(question)) {
            Entry::Occupied(first) => problems.push(Problem::new(
                file,
                *line,
                format!(
                    "duplicate alternate question in section '{}' (first at line {})",
                    section.title,
                    first.get()
                ),
            )),
            Entry::Vacant(slot) => {
                slot.insert(*line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Document {
        let mut problems = Vec::new();
        let doc = parse(Path::new("t.md"), "t", Lang::Es, text, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        doc
    }

    #[test]
    fn slugs_fold_accents_and_punctuation() {
        assert_eq!(slugify("¿Qué es un KPO?"), "que-es-un-kpo");
        assert_eq!(slugify("  Año / Niño  "), "ano-nino");
    }

    #[test]
    fn labeled_list_gives_overview_and_items() {
        let doc = parse_ok(
            "# T\n\n## Tipos {#tipos}\n\nHay tipos:\n- Uno: el primero.\n- Dos: el segundo.\n",
        );
        let p = &doc.sections[0].passages;
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].id, "t/tipos/1");
        assert_eq!(p[0].text, "Hay tipos:\n- Uno\n- Dos");
        assert_eq!(p[0].search, "Hay tipos:");
        assert_eq!(p[1].text, "Uno: el primero.");
        assert_eq!(p[2].line, 7);
    }

    #[test]
    fn short_plain_list_stays_whole() {
        let doc = parse_ok("# T\n## Áreas\nAlgunas áreas:\n- Diseño\n- Datos\n");
        let p = &doc.sections[0].passages;
        assert_eq!(p.len(), 1);
        assert_eq!(doc.sections[0].slug, "areas");
        assert_eq!(p[0].text, "Algunas áreas:\n- Diseño\n- Datos");
    }

    #[test]
    fn lazy_lines_continue_paragraphs_and_comments_are_skipped() {
        let doc =
            parse_ok("# T\n## S\n<!-- note\nstill note -->\nUna frase\nque sigue.\n\nOtra.\n");
        let p = &doc.sections[0].passages;
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].text, "Una frase que sigue.");
        assert_eq!(p[1].line, 8);
    }

    #[test]
    fn labels_are_short_phrases() {
        assert_eq!(label_of("Acceso: fácil"), Some("Acceso"));
        assert_eq!(label_of("Esto es una frase. Luego: algo"), None);
        assert_eq!(label_of("Sin etiqueta"), None);
    }
}
