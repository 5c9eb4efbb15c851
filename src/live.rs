//! The knowledge being served, and reloading it without dropping a question.
//!
//! The current [`Snapshot`] sits behind an `ArcSwap`. Every question and
//! recommendation takes it once ([`Live::snapshot`]) and uses it to the end,
//! so a reload in the middle changes nothing for that question. A reload
//! reads and validates everything into a new snapshot beside the old one and
//! swaps only when it is whole; on any problem the old one keeps serving and
//! the caller gets every problem with `file:line`. Reloads are serialized: a
//! second one waits for the first.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::brain::Brain;
use crate::knowledge::{Limits, Problems};

/// Which knowledge a snapshot holds: a number counting reloads, and a hash
/// of the files' names and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub generation: u64,
    pub hash: u64,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} ({:016x})", self.generation, self.hash)
    }
}

/// Everything one question needs, immutable.
#[derive(Debug)]
pub struct Snapshot {
    pub brain: Brain,
    pub version: Version,
}

/// Sizes of a snapshot, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub sections: usize,
    pub passages: usize,
    pub rules: usize,
}

impl Counts {
    pub fn of(brain: &Brain) -> Counts {
        Counts {
            sections: brain.section_count(),
            passages: brain.passage_count(),
            rules: brain.knowledge.rules.as_ref().map_or(0, |r| r.rules.len()),
        }
    }
}

/// What a reload changed (or, from `check`, would change).
#[derive(Debug, Clone, PartialEq)]
pub struct ReloadReport {
    pub before: Counts,
    pub after: Counts,
    /// Sections as `lang:doc/slug (title)`.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub took: Duration,
    pub version: Version,
    /// False when the files are byte for byte the ones already served.
    pub content_changed: bool,
}

impl fmt::Display for ReloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "knowledge {}: {} → {} passages, {} → {} sections, {} → {} rules, in {} ms",
            self.version,
            self.before.passages,
            self.after.passages,
            self.before.sections,
            self.after.sections,
            self.before.rules,
            self.after.rules,
            self.took.as_millis()
        )?;
        if !self.content_changed {
            return writeln!(f, "no file changed");
        }
        for (label, list) in [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed", &self.changed),
        ] {
            if !list.is_empty() {
                writeln!(f, "{label}: {}", list.join("; "))?;
            }
        }
        if self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() {
            writeln!(f, "no section changed")?;
        }
        Ok(())
    }
}

/// Every section of a Brain by `lang:doc/slug`, with its title and a
/// fingerprint of its content.
fn sections(brain: &Brain) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out = BTreeMap::new();
    for (lang, edition) in &brain.knowledge.editions {
        for doc in &edition.documents {
            for s in &doc.sections {
                // Alternate questions count: a taught one changes its section.
                let content = std::iter::once(s.title.clone())
                    .chain(s.passages.iter().map(|p| p.text.clone()))
                    .chain(s.passages.iter().flat_map(|p| p.questions.iter().cloned()))
                    .collect();
                out.insert(
                    format!("{lang}:{}/{}", doc.id, s.slug),
                    (s.title.clone(), content),
                );
            }
        }
    }
    out
}

/// What changes from `old` to `new`.
pub fn diff(old: Option<&Brain>, new: &Brain, took: Duration, version: Version) -> ReloadReport {
    let before = old.map(sections).unwrap_or_default();
    let after = sections(new);
    let label = |key: &str, title: &str| format!("{key} ({title})");
    let added = after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k))
        .map(|(k, (t, _))| label(k, t))
        .collect();
    let removed = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(k, (t, _))| label(k, t))
        .collect();
    let changed = after
        .iter()
        .filter(|(k, (_, content))| before.get(*k).is_some_and(|(_, old)| old != content))
        .map(|(k, (t, _))| label(k, t))
        .collect();
    let content_changed =
        old.is_none_or(|o| o.knowledge.content_hash != new.knowledge.content_hash);
    ReloadReport {
        before: old.map(Counts::of).unwrap_or_default(),
        after: Counts::of(new),
        added,
        removed,
        changed,
        took,
        version,
        content_changed,
    }
}

/// The knowledge being served from a folder, swapped whole on reload.
pub struct Live {
    dir: PathBuf,
    limits: Limits,
    current: ArcSwap<Snapshot>,
    /// Held for a whole reload, so two never interleave.
    reloading: Mutex<()>,
    generation: AtomicU64,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live")
            .field("dir", &self.dir)
            .field("version", &self.snapshot().version)
            .finish()
    }
}

impl Live {
    /// Loads `dir` for the first time (generation 1), within the default [`Limits`].
    pub fn load(dir: &Path) -> Result<Live, Problems> {
        Live::load_with(dir, Limits::default())
    }

    /// Loads `dir` for the first time (generation 1); reloads keep `limits`.
    pub fn load_with(dir: &Path, limits: Limits) -> Result<Live, Problems> {
        let brain = Brain::load_with(dir, limits)?;
        let version = Version {
            generation: 1,
            hash: brain.knowledge.content_hash,
        };
        crate::metrics::knowledge(version.generation, brain.passage_count());
        Ok(Live {
            dir: dir.to_path_buf(),
            limits,
            current: ArcSwap::from_pointee(Snapshot { brain, version }),
            reloading: Mutex::new(()),
            generation: AtomicU64::new(1),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The limits every reload reads within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The snapshot to answer one question with: take it once, use it to the end.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Rebuilds from the folder and swaps, or returns every problem while the
    /// old snapshot keeps serving. Waits while another reload runs.
    pub fn reload(&self) -> Result<ReloadReport, Problems> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let started = Instant::now();
        let brain = Brain::load_with(&self.dir, self.limits).inspect_err(|_| {
            crate::metrics::reload(false, started.elapsed());
        })?;
        let old = self.snapshot();
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let version = Version {
            generation,
            hash: brain.knowledge.content_hash,
        };
        let report = diff(Some(&old.brain), &brain, started.elapsed(), version);
        crate::metrics::knowledge(generation, report.after.passages);
        self.current.store(Arc::new(Snapshot { brain, version }));
        crate::metrics::reload(true, started.elapsed());
        Ok(report)
    }
}
