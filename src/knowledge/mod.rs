//! Reads a knowledge folder into typed values, validating everything.
//!
//! Layout: `<dir>/<lang>/<doc>.md` (one folder per language edition, each
//! with the same documents, sections and passages), `<dir>/synonyms.toml` and
//! `<dir>/rules.toml`. Every problem is collected with `file:line`; nothing
//! here knows about searching. Only regular files within [`Limits`] are
//! read, and whatever looks like knowledge but would be skipped is reported.

pub mod markdown;
pub mod problem;
pub mod read;
pub mod rules;
pub mod synonyms;
pub mod teach;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

pub use markdown::{Document, Passage, Section};
pub use problem::{Problem, Problems};
use read::ReadError;
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
    /// Every section title of `lang`'s edition (or the first edition), in order.
    pub fn section_titles(&self, lang: Lang) -> Vec<&str> {
        crate::lang::this_or_first(&self.editions, lang)
            .into_iter()
            .flat_map(|(_, e)| &e.documents)
            .flat_map(|d| &d.sections)
            .map(|s| s.title.as_str())
            .collect()
    }

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

/// The synonyms' file, at the top of a knowledge folder.
pub const SYNONYMS_FILE: &str = "synonyms.toml";
const RULES_FILE: &str = "rules.toml";

/// How much loading may read: a bound per file and for the whole folder, so
/// a huge file (or a link to `/dev/zero`) is a problem, not a lost process.
/// The config's `knowledge.max_file_bytes` and `knowledge.max_total_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

impl Limits {
    /// Hundreds of times a hand-written file (the bundled ones are under
    /// 40 KB), and little for a server to hold while it builds an index.
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 << 20;
    pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 64 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: Limits::DEFAULT_MAX_FILE_BYTES,
            max_total_bytes: Limits::DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

/// Loads and validates `dir` within the default [`Limits`].
pub fn load(dir: &Path) -> Result<Knowledge, Problems> {
    load_with(dir, Limits::default())
}

/// Loads and validates `dir`. Either the whole knowledge, or every problem.
pub fn load_with(dir: &Path, limits: Limits) -> Result<Knowledge, Problems> {
    load_replacing(dir, limits, None)
}

/// [`load_with`], reading `replacing`'s text for its file (named as loading
/// names it: `<dir>/<lang>/<doc>.md`): how an edit is validated before it is
/// written. The text is held to the same limits as the file would be.
pub(crate) fn load_replacing(
    dir: &Path,
    limits: Limits,
    replacing: Option<(&Path, &str)>,
) -> Result<Knowledge, Problems> {
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
        limits,
        total: 0,
        over_total: false,
        replacing,
    };
    let mut editions: Vec<LoadedEdition> = Vec::new();
    for entry in entries {
        let Some((path, name, is_dir)) = examine(&entry, &mut problems) else {
            continue;
        };
        if is_dir {
            match Lang::from_code(&name) {
                Some(lang) => editions.push(load_edition(&path, lang, &mut files, &mut problems)),
                None if knowledge_file(&name).is_some() => problems.push(Problem::new(
                    &path,
                    0,
                    format!("is a folder: {name} must be a file"),
                )),
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
        } else if name == RULES_FILE {
            // Parsed once every passage is known: rules cite them.
            rules_text = read_text(&path, &mut files, &mut problems).map(|t| (path, t));
        } else if let Some(wanted) = knowledge_file(&name) {
            problems.push(Problem::new(
                &path,
                0,
                format!("is not read: the file must be named {wanted}, in lowercase"),
            ));
        } else if has_md_extension(&name) && !name.eq_ignore_ascii_case("README.md") {
            problems.push(Problem::new(
                &path,
                0,
                format!(
                    "documents belong in a language folder ({}): move it to {}",
                    Lang::codes(),
                    dir.join("es").join(&name).display()
                ),
            ));
        }
    }
    knowledge.content_hash = files.hash.0;
    check_parity(&editions, &mut problems);
    for loaded in editions {
        if !loaded.edition.documents.is_empty() {
            knowledge.editions.insert(loaded.lang, loaded.edition);
        }
    }
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

/// Where files are read from, the hash of what was read so far, and how much
/// more may be read.
struct Files<'a> {
    root: &'a Path,
    hash: ContentHash,
    limits: Limits,
    /// Bytes read so far, against `limits.max_total_bytes`.
    total: u64,
    /// Whether a file was refused for going past `limits.max_total_bytes`.
    over_total: bool,
    /// A file read as if it held this text instead.
    replacing: Option<(&'a Path, &'a str)>,
}

/// One language folder as read: its documents, and every document file in it
/// by id, read or not (so a document that failed to load is not also reported
/// missing from its edition), with its place in `edition.documents` if read.
struct LoadedEdition {
    lang: Lang,
    dir: PathBuf,
    edition: Edition,
    documents: HashMap<String, Option<usize>>,
}

fn load_edition(
    dir: &Path,
    lang: Lang,
    files: &mut Files,
    problems: &mut Vec<Problem>,
) -> LoadedEdition {
    let mut loaded = LoadedEdition {
        lang,
        dir: dir.to_path_buf(),
        edition: Edition::default(),
        documents: HashMap::new(),
    };
    let entries = match sorted_entries(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem::new(
                dir,
                0,
                format!("cannot read the folder: {err}"),
            ));
            return loaded;
        }
    };
    // Editors leave backups and swap files beside documents; only .md is
    // knowledge. Anything that looks like a document but would not be read
    // (a folder, a wrong-case extension, a broken link) is reported.
    for entry in entries {
        let Some((path, name, is_dir)) = examine(&entry, problems) else {
            continue;
        };
        if is_dir {
            let message = if has_md_extension(&name) {
                "a folder named like a document: documents are files, so nothing in it is read"
                    .to_string()
            } else {
                format!(
                    "folders inside a language folder are not read: move its documents up to {}",
                    dir.display()
                )
            };
            problems.push(Problem::new(&path, 0, message));
            continue;
        }
        if !has_md_extension(&name) {
            continue;
        }
        let doc_id = &name[..name.len() - ".md".len()];
        // The name to suggest when this one will not do.
        let slug = markdown::slugify(doc_id);
        if !name.ends_with(".md") {
            problems.push(Problem::new(
                &path,
                0,
                format!(
                    "is not read: a document's extension is '.md', in lowercase (rename it to {slug}.md)"
                ),
            ));
            continue;
        }
        let mut place = None;
        if slug != doc_id {
            problems.push(Problem::new(
                &path,
                0,
                format!(
                    "a document's file name is its id and must use only a-z, 0-9 and '-' (for example {slug}.md)"
                ),
            ));
        } else if let Some(text) = read_text(&path, files, problems) {
            place = Some(loaded.edition.documents.len());
            loaded
                .edition
                .documents
                .push(markdown::parse(&path, doc_id, lang, &text, problems));
        }
        loaded.documents.insert(doc_id.to_string(), place);
    }
    loaded
}

/// Editions must line up: the same documents, section ids and passage ids in
/// each, or a question is answered from one edition with a passage another
/// does not have (or, worse, with a neighbor). Every id one edition has and
/// another lacks is reported where it is, naming the file that lacks it.
fn check_parity(editions: &[LoadedEdition], problems: &mut Vec<Problem>) {
    for ours in editions {
        for theirs in editions.iter().filter(|e| e.lang != ours.lang) {
            for doc in &ours.edition.documents {
                let their_file = theirs.dir.join(format!("{}.md", doc.id));
                match theirs.documents.get(&doc.id) {
                    None => problems.push(Problem::new(
                        &doc.file,
                        1,
                        format!(
                            "the {} edition has no '{}' document: add {} (editions share document, section and passage ids)",
                            theirs.lang.code(),
                            doc.id,
                            their_file.display()
                        ),
                    )),
                    Some(None) => {} // it failed to load, and that is reported
                    Some(&Some(place)) => check_sections(
                        doc,
                        &theirs.edition.documents[place],
                        &their_file,
                        problems,
                    ),
                }
            }
        }
    }
}

/// Every section and passage of `ours` that its counterpart `theirs` lacks.
fn check_sections(
    ours: &Document,
    theirs: &Document,
    their_file: &Path,
    problems: &mut Vec<Problem>,
) {
    // A map, not a scan: a document may hold tens of thousands of sections.
    let their_sections: HashMap<&str, &Section> = theirs
        .sections
        .iter()
        .map(|s| (s.slug.as_str(), s))
        .collect();
    for section in &ours.sections {
        let Some(their_section) = their_sections.get(section.slug.as_str()) else {
            problems.push(Problem::new(
                &ours.file,
                section.line,
                format!(
                    "section id '{}' is missing from {}: give its heading there the same id with {{#{}}}",
                    section.slug,
                    their_file.display(),
                    section.slug
                ),
            ));
            continue;
        };
        let theirs_count = their_section.passages.len();
        for passage in section.passages.iter().skip(theirs_count) {
            problems.push(Problem::new(
                &ours.file,
                passage.line,
                format!(
                    "passage '{}' is missing from {} (its section there, at line {}, has {theirs_count} passage{}): editions need the same paragraphs and list items",
                    passage.id,
                    their_file.display(),
                    their_section.line,
                    if theirs_count == 1 { "" } else { "s" }
                ),
            ));
        }
    }
}

/// An entry of a folder as loading looks at it: its path, its name and
/// whether it is a folder (links followed). `None` for a hidden one (editors'
/// swap files, teach's lock), and for one that cannot be examined, which is
/// reported.
fn examine(entry: &fs::DirEntry, problems: &mut Vec<Problem>) -> Option<(PathBuf, String, bool)> {
    let path = entry.path();
    let name = file_name(&path);
    if name.starts_with('.') {
        return None;
    }
    match is_dir(entry) {
        Ok(is_dir) => Some((path, name, is_dir)),
        Err(err) => {
            problems.push(unreachable_entry(&path, &err));
            None
        }
    }
}

/// An entry whose metadata cannot be read: a link to nowhere or a loop.
fn unreachable_entry(path: &Path, err: &std::io::Error) -> Problem {
    let dangling = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let message = if read::is_loop(err) {
        "cannot read it: it is a loop of symbolic links".to_string()
    } else if dangling && err.kind() == std::io::ErrorKind::NotFound {
        match fs::read_link(path) {
            Ok(target) => format!(
                "cannot read the file: it links to {}, which does not exist",
                target.display()
            ),
            Err(_) => "cannot read the file: it links to nothing".to_string(),
        }
    } else {
        format!("cannot read the file: {err}")
    };
    Problem::new(path, 0, message)
}

fn has_md_extension(name: &str) -> bool {
    name.len() > ".md".len()
        && name.is_char_boundary(name.len() - ".md".len())
        && name[name.len() - ".md".len()..].eq_ignore_ascii_case(".md")
}

/// The knowledge file `name` names, in any case: `SYNONYMS.toml` is
/// `synonyms.toml` misspelled, not an unrelated file.
fn knowledge_file(name: &str) -> Option<&'static str> {
    [SYNONYMS_FILE, RULES_FILE]
        .into_iter()
        .find(|f| f.eq_ignore_ascii_case(name))
}

/// Reads a file as UTF-8 within the limits, recording its bytes; a problem
/// names the first bad line.
fn read_text(path: &Path, files: &mut Files, problems: &mut Vec<Problem>) -> Option<String> {
    if files.over_total {
        // The file that went past the total is reported; the load fails anyway.
        return None;
    }
    let max_file = files.limits.max_file_bytes;
    let remaining = files.limits.max_total_bytes.saturating_sub(files.total);
    let cap = max_file.min(remaining);
    let read = match files.replacing {
        Some((replaced, text)) if replaced == path => {
            if text.len() as u64 > cap {
                Err(ReadError::TooBig { cap })
            } else {
                Ok(text.as_bytes().to_vec())
            }
        }
        _ => read::read_regular(path, cap),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(ReadError::TooBig { cap }) if cap == max_file => {
            problems.push(Problem::new(
                path,
                0,
                format!(
                    "the file is larger than knowledge.max_file_bytes ({}): split it, or raise the limit in the config",
                    read::size(max_file)
                ),
            ));
            return None;
        }
        Err(ReadError::TooBig { .. }) => {
            files.over_total = true;
            problems.push(Problem::new(
                path,
                0,
                format!(
                    "with this file the knowledge is larger than knowledge.max_total_bytes ({}): remove files, or raise the limit in the config",
                    read::size(files.limits.max_total_bytes)
                ),
            ));
            return None;
        }
        Err(err) => {
            problems.push(Problem::new(path, 0, err.to_string()));
            return None;
        }
    };
    files.total += bytes.len() as u64;
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

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_cached_key(fs::DirEntry::file_name);
    Ok(entries)
}

/// Whether an entry is a folder, following links. Only a link costs a stat:
/// the listing already knows what the rest are, and a file that is read is
/// stat'ed where it is read ([`read::read_regular`]), so it need not be here.
fn is_dir(entry: &fs::DirEntry) -> std::io::Result<bool> {
    match entry.file_type() {
        Ok(kind) if !kind.is_symlink() => Ok(kind.is_dir()),
        _ => fs::metadata(entry.path()).map(|meta| meta.is_dir()),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
