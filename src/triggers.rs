//! What starts a reload besides an admin's command: `SIGHUP` to the process,
//! and (with `knowledge.watch = true`) edits in the knowledge folder.
//!
//! An automatic reload that fails is logged and changes nothing: the old
//! knowledge keeps serving until a good edit arrives.
//!
//! `SIGHUP` is caught from the first moments of the process ([`Sighup`]),
//! long before the knowledge is loaded: its default action is to end the
//! process, and a deploy script that edits and signals at once must not
//! kill a bot that is still starting. A reload asked for then is done once
//! the knowledge is served.
//!
//! The watcher follows the folder itself, not only the files in it: an
//! admin may replace it whole (`mv` a new one in, `rm -rf` and copy again,
//! switch a link with `ln -sfn`). Watching what is inside only would keep
//! following the old directory, so the watcher also watches the folder's
//! parent for its name and checks every second where the folder's path
//! leads; when that changes it watches the new directory and reloads. When
//! the folder is gone it says so at warn and keeps looking for it.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::live::Live;

/// Reloads and logs the outcome; what every automatic trigger does.
pub fn reload_and_log(live: &Live, trigger: &str) {
    match live.reload() {
        Ok(report) => tracing::info!(
            trigger,
            version = %report.version,
            passages = report.after.passages,
            added = report.added.len(),
            removed = report.removed.len(),
            changed = report.changed.len(),
            ms = report.took.as_millis() as u64,
            "knowledge reloaded"
        ),
        Err(problems) => tracing::warn!(
            trigger,
            problems = problems.0.len(),
            "reload refused, the old knowledge keeps serving: {problems}"
        ),
    }
}

/// `SIGHUP`, caught and held until there is knowledge to reload: install it
/// first thing, hand it the served knowledge with [`Sighup::reload`].
/// Signals that arrive in between make one reload once it is handed over.
pub struct Sighup {
    #[cfg(unix)]
    signals: signal_hook::iterator::Signals,
}

impl Sighup {
    /// From now on `SIGHUP` no longer ends the process. Call it on the main
    /// thread before any other starts: threads inherit its signal mask.
    #[cfg(unix)]
    pub fn catch() -> std::io::Result<Sighup> {
        let signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])?;
        // A parent may hand its signal mask down with SIGHUP blocked; then
        // the handler would never run and SIGHUP would never reload. One
        // already pending is delivered now, to the handler just installed.
        // SAFETY: the set is initialised by sigemptyset before use, and
        // pthread_sigmask only reads it; no old mask is asked for.
        let unblocked = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGHUP);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut())
        };
        if unblocked != 0 {
            return Err(std::io::Error::from_raw_os_error(unblocked));
        }
        Ok(Sighup { signals })
    }

    #[cfg(not(unix))]
    pub fn catch() -> std::io::Result<Sighup> {
        Ok(Sighup {})
    }

    /// Reloads on every `SIGHUP` from now on (and at once if one came while
    /// the knowledge was loading), from a background thread, for the life
    /// of the process.
    #[cfg(unix)]
    pub fn reload(self, live: Arc<Live>) -> std::io::Result<()> {
        let mut signals = self.signals;
        std::thread::Builder::new()
            .name("sighup".into())
            .spawn(move || {
                // Signals are recorded by the handler and kept until read
                // here, so a SIGHUP during start-up is the first one seen.
                for _ in signals.forever() {
                    reload_and_log(&live, "SIGHUP");
                }
            })?;
        Ok(())
    }

    #[cfg(not(unix))]
    pub fn reload(self, _live: Arc<Live>) -> std::io::Result<()> {
        Ok(())
    }
}

/// How often the watcher checks where the folder's path leads, and looks
/// for a folder that is gone.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Watches the knowledge folder while the returned value lives. Changes that
/// come within `debounce` of each other make one reload.
pub struct Watcher {
    stop: mpsc::Sender<Msg>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // The thread may be in a reload; it stops right after.
        let _ = self.stop.send(Msg::Stop);
    }
}

/// What the watch thread hears: an event from the file-system watcher of one
/// generation (older ones may still have events on their way), or the end.
enum Msg {
    Fs(u64, notify::Result<Event>),
    Stop,
}

/// Only knowledge files count: editors' swap and backup files do not.
fn is_knowledge_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    !name.starts_with('.') && (name.ends_with(".md") || name.ends_with(".toml") || path.is_dir())
}

/// A change to knowledge in `root`, not a read: reloading opens every file,
/// and those "open" events must not start another reload. (The parent's
/// watch reports its other files too: a README beside the folder is not
/// knowledge.)
fn is_edit(event: &Event, root: &Path) -> bool {
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    ) && event
        .paths
        .iter()
        .any(|p| p.starts_with(root) && is_knowledge_file(p))
}

/// A name appearing, going or moving: how a folder gets replaced.
fn is_replacement(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
    )
}

/// The directory the folder's path leads to now, links followed, and which
/// directory it is (a new one made under the same name is another).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    path: PathBuf,
    id: (u64, u64),
}

fn resolve(dir: &Path) -> Result<Target, String> {
    let path = dir.canonicalize().map_err(|e| e.to_string())?;
    let meta = std::fs::metadata(&path).map_err(|e| e.to_string())?;
    if !meta.is_dir() {
        return Err("it is not a folder".into());
    }
    Ok(Target {
        id: file_id(&meta),
        path,
    })
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The watch thread's state.
struct Watch {
    live: Arc<Live>,
    /// The folder as configured, made absolute but with links kept: the
    /// name to look for in its parent, and what to resolve again.
    dir: PathBuf,
    tx: mpsc::Sender<Msg>,
    generation: u64,
    watcher: Option<RecommendedWatcher>,
    target: Option<Target>,
    /// The last trouble logged, so a lasting one is logged once, and its
    /// end too.
    trouble: Option<String>,
}

impl Watch {
    /// Watches the directory the folder's path leads to now, recursively,
    /// and its parent for the folder's name, with a new file-system watcher.
    fn establish(&mut self) -> Result<(), String> {
        self.watcher = None;
        self.target = None;
        let target = resolve(&self.dir)
            .map_err(|e| format!("the knowledge folder {} is gone ({e})", self.dir.display()))?;
        self.generation += 1;
        let (tx, generation) = (self.tx.clone(), self.generation);
        let fail = |e: notify::Error| format!("cannot watch {}: {e}", self.dir.display());
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = tx.send(Msg::Fs(generation, event));
        })
        .map_err(fail)?;
        watcher
            .watch(&target.path, RecursiveMode::Recursive)
            .map_err(fail)?;
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Without it a replacement is still found by the periodic
            // check, a second later.
            if let Err(err) = watcher.watch(parent, RecursiveMode::NonRecursive) {
                tracing::debug!("cannot watch {}: {err}", parent.display());
            }
        }
        self.watcher = Some(watcher);
        self.target = Some(target);
        Ok(())
    }

    /// [`Watch::establish`], logging trouble when it starts and when it ends.
    fn re_establish(&mut self) {
        match self.establish() {
            Ok(()) => {
                if self.trouble.take().is_some() {
                    tracing::info!(
                        dir = %self.dir.display(),
                        "watching the knowledge folder again"
                    );
                }
            }
            Err(err) => self.trouble(err),
        }
    }

    fn trouble(&mut self, message: String) {
        if self.trouble.as_deref() != Some(message.as_str()) {
            tracing::warn!(
                "{message}; the old knowledge keeps serving; looking again every {} s",
                CHECK_EVERY.as_secs()
            );
            self.trouble = Some(message);
        }
    }

    /// Whether the event says the folder itself was replaced or removed:
    /// its name came or went in the parent, or the watched directory moved
    /// or was deleted.
    fn replaces_folder(&self, event: &Event) -> bool {
        if !is_replacement(event) {
            return false;
        }
        let root = self.target.as_ref().map(|t| t.path.as_path());
        event.paths.iter().any(|p| {
            Some(p.as_path()) == root
                || (p.parent() == self.dir.parent() && p.file_name() == self.dir.file_name())
        })
    }

    /// Whether the folder's path now leads elsewhere than the watched
    /// directory (or nowhere, or somewhere again).
    fn moved(&self) -> bool {
        resolve(&self.dir).ok() != self.target
    }

    fn run(mut self, rx: mpsc::Receiver<Msg>, debounce: Duration) {
        // When the changes heard so far are quiet long enough to reload.
        let mut due: Option<Instant> = None;
        // Watch again before that reload: the folder was replaced.
        let mut replaced = false;
        let mut next_check = Instant::now() + CHECK_EVERY;
        loop {
            let wake = due.map_or(next_check, |d| d.min(next_check));
            match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(Msg::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Ok(Msg::Fs(generation, _)) if generation != self.generation => {}
                Ok(Msg::Fs(_, Err(err))) => {
                    // E.g. too many folders to watch: start over until it works.
                    self.trouble(format!(
                        "watching the knowledge folder {} failed: {err}",
                        self.dir.display()
                    ));
                    replaced = true;
                    due = Some(Instant::now() + debounce);
                }
                Ok(Msg::Fs(_, Ok(event))) => {
                    if self.replaces_folder(&event) {
                        replaced = true;
                        due = Some(Instant::now() + debounce);
                    } else if self
                        .target
                        .as_ref()
                        .is_some_and(|t| is_edit(&event, &t.path))
                    {
                        // Only edits restart the wait: reads (ours on reload,
                        // anyone's) would otherwise put it off for good.
                        due = Some(Instant::now() + debounce);
                    }
                }
            }
            let now = Instant::now();
            if now >= next_check {
                next_check = now + CHECK_EVERY;
                if self.target.is_none() || self.moved() {
                    self.re_establish();
                    if self.target.is_some() {
                        // Found again or elsewhere: what it holds now is served.
                        due = Some(now + debounce);
                    }
                }
            }
            if due.is_some_and(|d| now >= d) {
                due = None;
                if std::mem::take(&mut replaced) {
                    self.re_establish();
                }
                if self.target.is_some() {
                    // What is heard meanwhile stays queued and is handled
                    // next: an edit saved during this reload may not be in
                    // it, and must start another.
                    reload_and_log(&self.live, "watch");
                }
            }
        }
    }
}

/// Starts watching the served folder; an error when it cannot be watched at
/// all (then only `:reload`, `/reload` and `SIGHUP` reload).
pub fn watch(live: Arc<Live>, debounce: Duration) -> Result<Watcher, String> {
    let dir = std::path::absolute(live.dir())
        .map_err(|e| format!("cannot watch {}: {e}", live.dir().display()))?;
    let (tx, rx) = mpsc::channel();
    let mut state = Watch {
        live,
        dir,
        tx: tx.clone(),
        generation: 0,
        watcher: None,
        target: None,
        trouble: None,
    };
    state.establish()?;
    std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || state.run(rx, debounce))
        .map_err(|e| format!("cannot start the watcher thread: {e}"))?;
    Ok(Watcher { stop: tx })
}
