//! Teaching: one more alternate question (`? …`) written under a passage,
//! in the Markdown of one language edition.
//!
//! A taught question (an admin's, or an accepted suggestion) becomes a line
//! of the knowledge like any other, so it is reviewed, versioned and
//! reloaded like any edit. Writing it must never cost what is already there:
//!
//! - **Validated first.** The whole folder must load with the edited text
//!   (in memory, nothing written yet), and the edited document must differ
//!   from the old one by that question under that passage and nothing else;
//!   otherwise the file is left byte for byte as it was.
//! - **Atomic.** The new text goes to a temporary file beside the document,
//!   with the document's permissions, and is renamed over it: a reload (or
//!   a reader) sees the old file or the new one, never half of one.
//! - **Serialized, and re-read.** Threads take a process-wide mutex and
//!   processes an advisory lock on `<dir>/.teach.lock`; under both, the
//!   file is read afresh, so concurrent teaches all keep their lines. An
//!   editor takes no lock, so the file is compared with what was read just
//!   before the rename and, if someone saved it meanwhile, the teach starts
//!   over from their text instead of overwriting it.
//!
//! Nothing is reloaded here: a bot serving the folder picks the change up
//! through its watcher, SIGHUP or `/reload`; the caller decides.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::markdown::{self, QuestionSlot};
use super::read::read_regular;
use super::{Knowledge, Limits, Problem, Problems};
use crate::lang::Lang;

/// The advisory lock file, in the knowledge folder. Hidden: loading and the
/// folder watcher skip dot files, so locking reloads nothing.
pub const LOCK_FILE: &str = ".teach.lock";

/// How many times a teach starts over when the file keeps changing under it.
const TRIES: usize = 5;

/// Held by the thread that is teaching: the file lock alone would let two
/// threads of one process in on platforms without advisory locks.
static TEACHING: Mutex<()> = Mutex::new(());

/// What bounds a teach: the knowledge's own limits (the edited folder must
/// load within them) and the longest question (`limits.question_max_chars`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeachLimits {
    pub knowledge: Limits,
    pub question_max_chars: usize,
}

/// What a teach did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taught {
    pub passage_id: String,
    pub lang: Lang,
    /// The question as written, once cleaned.
    pub question: String,
    /// The document, named as loading names it (`<dir>/<lang>/<doc>.md`).
    pub file: PathBuf,
    /// The question's line in `file`.
    pub line: usize,
    /// False when the passage already had this question (accents, case and
    /// punctuation aside): nothing was written, and `line` is the old one.
    pub added: bool,
}

impl std::fmt::Display for Taught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.added {
            "added"
        } else {
            "already there, nothing written"
        };
        write!(
            f,
            "{what}: {}:{}: ? {} (passage {})",
            self.file.display(),
            self.line,
            self.question,
            self.passage_id
        )
    }
}

/// Why a question was not taught. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    #[error("the question is empty: write a question with at least one letter or digit")]
    EmptyQuestion,
    #[error("the question is too long: {chars} characters, the limit is {max}")]
    TooLong { chars: usize, max: usize },
    #[error("the knowledge has no '{lang}' edition (it has: {have})")]
    NoEdition { lang: Lang, have: String },
    #[error(
        "there is no passage '{}' in the '{lang}' edition: ids look like bpo-kpo/que-es-un-kpo/1; \
         `outsourcing-bot ask --json QUESTION` shows the ids of the passages that answer a question",
        crate::echo::echo(.id)
    )]
    UnknownPassage { id: String, lang: Lang },
    #[error(
        "{}:{line}: this question is already an alternate question of passage '{passage_id}', \
         in the same section, which holds each question once: remove it there first",
        .file.display()
    )]
    AskedElsewhere {
        passage_id: String,
        file: PathBuf,
        line: usize,
    },
    /// The knowledge does not load as it is: fix it first.
    #[error("{0}")]
    Broken(Problems),
    /// The knowledge would not load (or would change more than asked) with
    /// the question written.
    #[error("the question was not written: with it, {0}")]
    Rejected(Problems),
    #[error("{}: someone else kept changing the file while the question was being written; try again", .file.display())]
    Busy { file: PathBuf },
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl TeachError {
    /// Whether the request itself was wrong (the CLI's exit 2), rather than
    /// the knowledge or the disk (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            TeachError::EmptyQuestion
                | TeachError::TooLong { .. }
                | TeachError::NoEdition { .. }
                | TeachError::UnknownPassage { .. }
        )
    }
}

/// `text` as an alternate question fit for one line of the Markdown: trimmed,
/// without markup, invisible characters, control and direction characters or
/// comment openers, inner whitespace collapsed. The limit counts what was
/// typed, as for a question asked.
pub fn clean_question(text: &str, max_chars: usize) -> Result<String, TeachError> {
    let text = text.trim();
    // Counting stops past the limit: a huge paste costs no more than that.
    if text.chars().take(max_chars.saturating_add(1)).count() > max_chars {
        return Err(TeachError::TooLong {
            chars: text.chars().count(),
            max: max_chars,
        });
    }
    let plain = crate::markup::plain(text);
    // Direction overrides would show the line in another order than it is read.
    let mut question = words(plain.chars().filter(|&c| !is_direction_control(c)));
    // A `<!--` would hide the rest of the line, and the lines after it.
    // Replaced by a space, it cannot form again from what surrounds it.
    if question.contains("<!--") {
        question = words(question.replace("<!--", " ").chars());
    }
    if !question.chars().any(char::is_alphanumeric) {
        return Err(TeachError::EmptyQuestion);
    }
    Ok(question)
}

/// The words of `chars`, one space between each: no line break survives.
fn words(chars: impl Iterator<Item = char>) -> String {
    chars
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes `question` as an alternate question of the passage `passage_id`
/// in `lang`'s edition of the knowledge in `dir`: after the passage's last
/// `?` line, else right under the passage. A question it already has is a
/// no-op (`Taught::added` false). See the module documentation for what is
/// guaranteed.
pub fn teach(
    dir: &Path,
    lang: Lang,
    passage_id: &str,
    question: &str,
    limits: TeachLimits,
) -> Result<Taught, TeachError> {
    let question = clean_question(question, limits.question_max_chars)?;
    if !dir.is_dir() {
        // Loading says best what is wrong with the folder.
        super::load_with(dir, limits.knowledge).map_err(TeachError::Broken)?;
    }
    let _threads = TEACHING.lock().unwrap_or_else(PoisonError::into_inner);
    let lock_path = dir.join(LOCK_FILE);
    let _processes = FolderLock::acquire(&lock_path).map_err(|source| TeachError::Io {
        path: lock_path.clone(),
        source,
    })?;
    let mut file = PathBuf::new();
    for _ in 0..TRIES {
        match attempt(dir, lang, passage_id, &question, limits)? {
            Attempt::Done(taught) => return Ok(taught),
            Attempt::Changed(changed) => file = changed,
        }
    }
    Err(TeachError::Busy { file })
}

enum Attempt {
    Done(Taught),
    /// The file changed while it was being edited: start over.
    Changed(PathBuf),
}

fn attempt(
    dir: &Path,
    lang: Lang,
    passage_id: &str,
    question: &str,
    limits: TeachLimits,
) -> Result<Attempt, TeachError> {
    let knowledge = super::load_with(dir, limits.knowledge).map_err(TeachError::Broken)?;
    let (file, doc_id) = document_of(&knowledge, lang, passage_id)?;
    let before = read_document(&file, limits.knowledge)?;
    // The passage's place in this very text: the folder was loaded a moment
    // ago, and someone may have saved the file since.
    let mut problems = Vec::new();
    let (doc, slots) = markdown::parse_with_slots(&file, &doc_id, lang, &before, &mut problems);
    let Some(found) = find(&doc, &slots, passage_id).filter(|_| problems.is_empty()) else {
        return Ok(Attempt::Changed(file));
    };

    let wanted = markdown::slugify(question);
    for (asked, &line) in found.passage_questions().zip(&found.slot.lines) {
        if markdown::slugify(asked) == wanted {
            return Ok(Attempt::Done(Taught {
                passage_id: passage_id.to_string(),
                lang,
                question: asked.to_string(),
                file,
                line,
                added: false,
            }));
        }
    }
    if let Some((other, line)) = found.asked_elsewhere(&wanted) {
        return Err(TeachError::AskedElsewhere {
            passage_id: other.to_string(),
            file,
            line,
        });
    }

    let (after, line) = insert_line(&before, found.slot.after, &format!("? {question}"));
    super::load_replacing(dir, limits.knowledge, Some((&file, &after)))
        .map_err(TeachError::Rejected)?;
    let mut problems = Vec::new();
    let edited = markdown::parse(&file, &doc_id, lang, &after, &mut problems);
    if !problems.is_empty() || !only_added(&doc, &edited, passage_id, question) {
        // The format's rules put the line where it attaches to this passage;
        // a construct they did not foresee must cost the question, not the file.
        return Err(TeachError::Rejected(Problems(vec![Problem::new(
            &file,
            line,
            format!(
                "the line would not belong to passage '{passage_id}' alone there: \
                 add it by hand under the passage"
            ),
        )])));
    }
    if !replace_if_unchanged(&file, &before, &after, limits.knowledge)? {
        return Ok(Attempt::Changed(file));
    }
    Ok(Attempt::Done(Taught {
        passage_id: passage_id.to_string(),
        lang,
        question: question.to_string(),
        file,
        line,
        added: true,
    }))
}

/// The file and id of the document holding `passage_id` in `lang`'s edition.
fn document_of(
    knowledge: &Knowledge,
    lang: Lang,
    passage_id: &str,
) -> Result<(PathBuf, String), TeachError> {
    let edition = knowledge
        .editions
        .get(&lang)
        .ok_or_else(|| TeachError::NoEdition {
            lang,
            have: knowledge
                .editions
                .keys()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    edition
        .passages()
        .find(|p| p.passage.id == passage_id)
        .map(|p| (p.document.file.clone(), p.document.id.clone()))
        .ok_or_else(|| TeachError::UnknownPassage {
            id: passage_id.to_string(),
            lang,
        })
}

/// A passage in a parsed document, with its section's passages and slots.
struct Found<'a> {
    index: usize,
    passages: &'a [markdown::Passage],
    slots: &'a [QuestionSlot],
    slot: &'a QuestionSlot,
}

impl Found<'_> {
    fn passage_questions(&self) -> impl Iterator<Item = &str> {
        self.passages[self.index]
            .questions
            .iter()
            .map(String::as_str)
    }

    /// Another passage of the section asked this way (by slug), and the line.
    fn asked_elsewhere(&self, wanted: &str) -> Option<(&str, usize)> {
        self.passages
            .iter()
            .zip(self.slots)
            .enumerate()
            .filter(|&(i, _)| i != self.index)
            .find_map(|(_, (passage, slot))| {
                passage
                    .questions
                    .iter()
                    .zip(&slot.lines)
                    .find(|(q, _)| markdown::slugify(q) == wanted)
                    .map(|(_, &line)| (passage.id.as_str(), line))
            })
    }
}

fn find<'a>(
    doc: &'a markdown::Document,
    slots: &'a [QuestionSlot],
    passage_id: &str,
) -> Option<Found<'a>> {
    let mut first = 0;
    for section in &doc.sections {
        let count = section.passages.len();
        let section_slots = slots.get(first..first + count)?;
        if let Some(index) = section.passages.iter().position(|p| p.id == passage_id) {
            return Some(Found {
                index,
                passages: &section.passages,
                slots: section_slots,
                slot: &section_slots[index],
            });
        }
        first += count;
    }
    None
}

fn read_document(file: &Path, limits: Limits) -> Result<String, TeachError> {
    let unreadable =
        |message: String| TeachError::Broken(Problems(vec![Problem::new(file, 0, message)]));
    let bytes = read_regular(file, limits.max_file_bytes).map_err(|e| unreadable(e.to_string()))?;
    String::from_utf8(bytes)
        .map_err(|_| unreadable("the file is not valid UTF-8: save it as UTF-8".into()))
}

/// `text` with `line` inserted after its line number `after` (or at the
/// end), in the file's own line ending; and the new line's number.
fn insert_line(text: &str, after: usize, line: &str) -> (String, usize) {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut offset = 0;
    let mut lines = 0;
    for l in text.split_inclusive('\n').take(after) {
        offset += l.len();
        lines += 1;
    }
    let mut out = String::with_capacity(text.len() + line.len() + 2 * eol.len());
    out.push_str(&text[..offset]);
    if !out.is_empty() && !out.ends_with('\n') {
        // The last line had no line break: it gets one, and so does ours.
        out.push_str(eol);
    }
    out.push_str(line);
    out.push_str(eol);
    out.push_str(&text[offset..]);
    (out, lines + 1)
}

/// Whether `edited` is `doc` with `question` added to `passage_id` and
/// nothing else changed (lines aside: they shift below the new one).
fn only_added(
    doc: &markdown::Document,
    edited: &markdown::Document,
    passage_id: &str,
    question: &str,
) -> bool {
    let shape = |d: &markdown::Document, add: bool| {
        d.sections
            .iter()
            .map(|s| {
                let passages = s
                    .passages
                    .iter()
                    .map(|p| {
                        let mut questions = p.questions.clone();
                        if add && p.id == passage_id {
                            questions.push(question.to_string());
                        }
                        questions.sort();
                        (p.id.clone(), p.text.clone(), p.search.clone(), questions)
                    })
                    .collect::<Vec<_>>();
                (s.slug.clone(), s.title.clone(), passages)
            })
            .collect::<Vec<_>>()
    };
    doc.title == edited.title && shape(doc, true) == shape(edited, false)
}

/// Writes `after` over `file` atomically, unless the file no longer holds
/// `before` (someone saved it since it was read): then nothing is written
/// and the result is false.
fn replace_if_unchanged(
    file: &Path,
    before: &str,
    after: &str,
    limits: Limits,
) -> Result<bool, TeachError> {
    // A link stays a link: its target is what gets the new text.
    let target = fs::canonicalize(file).map_err(io_err(file))?;
    let permissions = fs::metadata(&target)
        .map_err(io_err(&target))?
        .permissions();
    let temp = TempFile::create(&target).map_err(io_err(&target))?;
    let mut handle = &temp.file;
    handle
        .write_all(after.as_bytes())
        .and_then(|()| handle.sync_all())
        .and_then(|()| fs::set_permissions(&temp.path, permissions))
        .map_err(io_err(&temp.path))?;
    // An editor takes no lock: compare at the last moment, so a save made
    // while this teach ran starts it over instead of being overwritten.
    #[cfg(test)]
    tests::BEFORE_COMPARE.with_borrow_mut(|hook| {
        if let Some(hook) = hook {
            hook(&target)
        }
    });
    let now = read_regular(&target, limits.max_file_bytes).ok();
    if now.as_deref() != Some(before.as_bytes()) {
        return Ok(false);
    }
    temp.persist(&target).map_err(io_err(&target))?;
    Ok(true)
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TeachError {
    let path = path.to_path_buf();
    move |source| TeachError::Io { path, source }
}

/// A temporary file beside the document, removed unless renamed over it.
/// Its name starts with a dot: loading and the watcher skip it.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    fn create(beside: &Path) -> io::Result<TempFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let folder = beside.parent().unwrap_or(Path::new("."));
        let name = beside
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        loop {
            let path = folder.join(format!(
                ".{name}.teach-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file,
                        persisted: false,
                    })
                }
                // A leftover of a process that died with our pid: next name.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
    }

    fn persist(mut self, to: &Path) -> io::Result<()> {
        fs::rename(&self.path, to)?;
        self.persisted = true;
        // The rename itself must survive a crash: flush the folder (where
        // folders cannot be opened, the rename is as durable as it gets).
        if let Some(folder) = to.parent() {
            let _ = File::open(folder).and_then(|f| f.sync_all());
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// An exclusive advisory lock on a file, held until dropped (closing the
/// file releases it, even when the process dies).
struct FolderLock {
    _file: File,
}

impl FolderLock {
    fn acquire(path: &Path) -> io::Result<FolderLock> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        lock_exclusive(&file)?;
        Ok(FolderLock { _file: file })
    }
}

// `File::lock` would do, but it needs Rust 1.89 and the crate supports 1.88;
// libc is already a dependency on Unix.
#[cfg(unix)]
fn lock_exclusive(file: &File) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock only reads the descriptor, which `file` keeps open.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Elsewhere only the process-wide mutex serializes teaches.
#[cfg(not(unix))]
fn lock_exclusive(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    type Hook = Box<dyn FnMut(&Path)>;

    thread_local! {
        /// Runs right before the last comparison: where a test saves the
        /// file as an editor would, while a teach is under way.
        pub(super) static BEFORE_COMPARE: RefCell<Option<Hook>> = const { RefCell::new(None) };
    }

    #[test]
    fn a_save_made_while_teaching_is_kept_and_the_question_written_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("es").join("doc.md");
        fs::create_dir(doc.parent().unwrap()).unwrap();
        fs::write(&doc, "# T\n\n## S {#s}\n\nUn párrafo.\n").unwrap();
        let saves = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = saves.clone();
        BEFORE_COMPARE.set(Some(Box::new(move |path: &Path| {
            seen.set(seen.get() + 1);
            if seen.get() == 1 {
                let text = fs::read_to_string(path).unwrap();
                fs::write(path, text + "\n## Otra {#otra}\n\nOtro párrafo.\n").unwrap();
            }
        })));
        let limits = TeachLimits {
            knowledge: Limits::default(),
            question_max_chars: 500,
        };
        let taught = teach(dir.path(), Lang::Es, "doc/s/1", "¿qué dice?", limits);
        BEFORE_COMPARE.set(None);
        let taught = taught.unwrap();
        // The first try saw the save and started over from it.
        assert_eq!(saves.get(), 2);
        assert!(taught.added);
        assert_eq!(taught.line, 6);
        assert_eq!(
            fs::read_to_string(&doc).unwrap(),
            "# T\n\n## S {#s}\n\nUn párrafo.\n? ¿qué dice?\n\n## Otra {#otra}\n\nOtro párrafo.\n"
        );
    }

    #[test]
    fn a_question_is_cleaned_into_one_plain_line() {
        let clean = |t: &str| clean_question(t, 500);
        assert_eq!(
            clean("  ¿Qué\n es\tun\r\n KPO?  ").unwrap(),
            "¿Qué es un KPO?"
        );
        assert_eq!(
            clean("que es <!-- oculto --> un kpo").unwrap(),
            "que es oculto --> un kpo"
        );
        assert_eq!(clean("<!<!----- kpo").unwrap(), "<! --- kpo");
        assert_eq!(clean("k\u{200b}po \u{202e}bpo").unwrap(), "kpo bpo");
        assert_eq!(clean("||¿qué es un BPO?||").unwrap(), "¿qué es un BPO?");
        assert!(matches!(clean(" \n "), Err(TeachError::EmptyQuestion)));
        assert!(matches!(clean("¿?"), Err(TeachError::EmptyQuestion)));
        assert!(matches!(
            clean_question("abcdef", 5),
            Err(TeachError::TooLong { chars: 6, max: 5 })
        ));
        assert_eq!(clean_question("abcde", 5).unwrap(), "abcde");
    }

    #[test]
    fn a_line_is_inserted_after_its_line_in_the_file_s_own_endings() {
        assert_eq!(insert_line("a\nb\n", 1, "? q"), ("a\n? q\nb\n".into(), 2));
        assert_eq!(
            insert_line("a\r\nb", 2, "? q"),
            ("a\r\nb\r\n? q\r\n".into(), 3)
        );
        assert_eq!(insert_line("a\nb\n", 2, "? q"), ("a\nb\n? q\n".into(), 3));
    }

    fn slots(text: &str) -> Vec<(String, QuestionSlot)> {
        let mut problems = Vec::new();
        let (doc, slots) =
            markdown::parse_with_slots(Path::new("t.md"), "t", Lang::Es, text, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let ids = doc
            .sections
            .iter()
            .flat_map(|s| &s.passages)
            .map(|p| p.id.clone());
        ids.zip(slots).collect()
    }

    #[test]
    fn a_new_question_goes_after_the_passage_s_questions_else_under_it() {
        let text = "# T\n## S\n? uno\nPrimer\npárrafo.\n? dos\n\nSegundo.\n\nLista:\n- A: a.\n  sigue\n- B: b.\n? tres\n- C: c <!-- nota\n-->\n";
        let got = slots(text);
        let at = |id: &str| got.iter().find(|(i, _)| i == id).unwrap().1.clone();
        // The heading's question and the passage's own belong to the first passage.
        assert_eq!(
            at("t/s/1"),
            QuestionSlot {
                lines: vec![3, 6],
                after: 6
            }
        );
        assert_eq!(
            at("t/s/2"),
            QuestionSlot {
                lines: vec![],
                after: 8
            }
        );
        // The overview goes under its lead-in; an item under its last line.
        assert_eq!(at("t/s/3").after, 10);
        assert_eq!(at("t/s/4").after, 12);
        assert_eq!(
            at("t/s/5"),
            QuestionSlot {
                lines: vec![14],
                after: 14
            }
        );
        // Not inside the comment that the item's line opens.
        assert_eq!(at("t/s/6").after, 16);
    }
}
