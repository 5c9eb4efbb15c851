//! Reads a knowledge folder into typed values, validating everything.
//!
//! Layout: `<dir>/<lang>/<doc>.md` (one folder per language edition),
//! `<dir>/synonyms.toml`, and later `<dir>/rules.toml`. Every problem is
//! collected with `file:line`; nothing here knows about searching.

pub mod markdown;
pub mod problem;
pub mod rules;
pub mod synonyms;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use markdown::{Document, Passage, Section};
pub use problem::{Problem, Problems};
pub use rules::Rules;
pub use synonyms::Synonyms;

use crate::lang::Lang;

/// One passage with everything a front end needs to show and cite it.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageRef<'a> {
    pub passage: &'a Passage,
    pub section: &'a Section,
    pub document: &'a Document,
}

/// All documents of one language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edition {
    pub documents: Vec<Document>,
}

impl Edition {
    /// Every passage with its section and document, in file order.
    pub fn passages(&self) -> impl Iterator<Item = PassageRef<'_>> {
        self.documents.iter().flat_map(|document| {
            document.sections.iter().flat_map(move |section| {
                section.passages.iter().map(move |passage| PassageRef {
                    passage,
                    section,
                    document,
                })
            })
        })
    }
}

/// The parsed content of a knowledge folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Knowledge {
    pub dir: PathBuf,
    pub editions: BTreeMap<Lang, Edition>,
    pub synonyms: Synonyms,
    /// The `/recommend` questionnaire and rules, when `rules.toml` exists.
    pub rules: Option<Rules>,
    /// A hash of every file read (names and bytes): tells two versions apart.
    pub content_hash: u64,
}

/// FNV-1a, 64 bits: stable across runs and Rust versions, which a content
/// version must be; collisions only matter between two versions of one folder.
#[derive(Debug, Clone, Copy)]
struct ContentHash(u64);

impl ContentHash {
    fn new() -> Self {
        ContentHash(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn file(&mut self, relative: &Path, bytes: &[u8]) {
        self.write(relative.to_string_lossy().as_bytes());
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }
}

impl Knowledge {
    /// The `/recommend` rules, or the problem of their absence.
    pub fn rules(&self) -> Result<&Rules, Problems> {
        self.rules.as_ref().ok_or_else(|| {
            Problems(vec![Problem::new(
                &self.dir.join(RULES_FILE),
                0,
                "there is no rules.toml, so /recommend has nothing to run",
            )])
        })
    }
}

const SYNONYMS_FILE: &str = "synonyms.toml";
const RULES_FILE: &str = "rules.toml";

/// Loads and validates `dir`. Either the whole knowledge, or every problem.
pub fn load(dir: &Path) -> Result<Knowledge, Problems> {
    let mut problems = Vec::new();
    let mut knowledge = Knowledge {
        dir: dir.to_path_buf(),
        ..Knowledge::default()
    };

    let entries = match sorted_entries(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let why = if err.kind() == std::io::ErrorKind::NotFound {
                "the knowledge folder does not exist".to_string()
            } else {
                format!("cannot read the knowledge folder: {err}")
            };
            return Err(Problems(vec![Problem::new(dir, 0, why)]));
        }
    };

    let mut rules_text = None;
    let mut files = Files {
        root: dir,
        hash: ContentHash::new(),
    };
    for path in entries {
        let name = file_name(&path);
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            match Lang::from_code(&name) {
                Some(lang) => {
                    let edition = load_edition(&path, lang, &mut files, &mut problems);
                    if !edition.documents.is_empty() {
                        knowledge.editions.insert(lang, edition);
                    }
                }
                None => problems.push(Problem::new(
                    &path,
                    0,
                    format!(
                        "unknown language folder '{name}' (known: {})",
                        Lang::codes()
                    ),
                )),
            }
        } else if name == SYNONYMS_FILE {
            if let Some(text) = read_text(&path, &mut files, &mut problems) {
                knowledge.synonyms = synonyms::parse(&path, &text, &mut problems);
            }
        } else if name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md") {
            problems.push(Problem::new(
                &path,
                0,
                format!(
                    "documents belong in a language folder ({}): move it to {}",
                    Lang::codes(),
                    dir.join("es").join(&name).display()
                ),
            ));
        } else if name == RULES_FILE {
            // Parsed once every passage is known: rules cite them.
            rules_text = read_text(&path, &mut files, &mut problems).map(|t| (path, t));
        }
    }
    knowledge.content_hash = files.hash.0;
    if let Some((path, text)) = rules_text {
        let ids: std::collections::HashSet<&str> = knowledge
            .editions
            .values()
            .flat_map(Edition::passages)
            .map(|p| p.passage.id.as_str())
            .collect();
        knowledge.rules = rules::parse(&path, &text, &ids, &mut problems);
    }

    if knowledge.editions.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            dir,
            0,
            format!(
                "no documents found: add Markdown files under a language folder ({})",
                Lang::codes()
            ),
        ));
    }
    if problems.is_empty() {
        Ok(knowledge)
    } else {
        Err(Problems(problems))
    }
}

/// Where files are read from, and the hash of what was read so far.
struct Files<'a> {
    root: &'a Path,
    hash: ContentHash,
}

fn load_edition(dir: &Path, lang: Lang, files: &mut Files, problems: &mut Vec<Problem>) -> Edition {
    let mut edition = Edition::default();
    let entries = match sorted_entries(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem::new(
                dir,
                0,
                format!("cannot read the folder: {err}"),
            ));
            return edition;
        }
    };
    for path in entries {
        let name = file_name(&path);
        // Editors leave backups and swap files beside documents; only .md is
        // knowledge. A .md that cannot be read (a broken link) is reported.
        if name.starts_with('.') || !name.ends_with(".md") || path.is_dir() {
            continue;
        }
        let doc_id = name.trim_end_matches(".md");
        if markdown::slugify(doc_id) != doc_id {
            problems.push(Problem::new(
                &path,
                0,
                format!(
                    "a document's file name is its id and must use only a-z, 0-9 and '-' (for example {}.md)",
                    markdown::slugify(doc_id)
                ),
            ));
            continue;
        }
        if let Some(text) = read_text(&path, files, problems) {
            edition
                .documents
                .push(markdown::parse(&path, doc_id, lang, &text, problems));
        }
    }
    edition
}

/// Reads a file as UTF-8, recording its bytes; a problem names the first bad line.
fn read_text(path: &Path, files: &mut Files, problems: &mut Vec<Problem>) -> Option<String> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            problems.push(Problem::new(
                path,
                0,
                format!("cannot read the file: {err}"),
            ));
            return None;
        }
    };
    let relative = path.strip_prefix(files.root).unwrap_or(path);
    files.hash.file(relative, &bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let line = err.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            problems.push(Problem::new(
                path,
                line,
                "the file is not valid UTF-8: save it as UTF-8",
            ));
            None
        }
    }
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
