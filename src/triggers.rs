//! What starts a reload besides an admin's command: `SIGHUP` to the process,
//! and (with `knowledge.watch = true`) edits in the knowledge folder.
//!
//! An automatic reload that fails is logged and changes nothing: the old
//! knowledge keeps serving until a good edit arrives.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use std::sync::mpsc;

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

/// Reloads on every `SIGHUP`, from a background thread, for the life of the process.
#[cfg(unix)]
pub fn reload_on_sighup(live: Arc<Live>) -> std::io::Result<()> {
    use signal_hook::consts::SIGHUP;
    use signal_hook::iterator::Signals;

    let mut signals = Signals::new([SIGHUP])?;
    std::thread::Builder::new()
        .name("sighup".into())
        .spawn(move || {
            for _ in signals.forever() {
                reload_and_log(&live, "SIGHUP");
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
pub fn reload_on_sighup(_live: Arc<Live>) -> std::io::Result<()> {
    Ok(())
}

/// Watches the knowledge folder while the returned value lives. Changes that
/// come within `debounce` of each other make one reload.
pub struct Watcher {
    _watcher: RecommendedWatcher,
}

/// Only knowledge files count: editors' swap and backup files do not.
fn is_knowledge_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    !name.starts_with('.') && (name.ends_with(".md") || name.ends_with(".toml") || path.is_dir())
}

/// A change to knowledge, not a read: reloading opens every file, and those
/// "open" events must not start another reload.
fn is_edit(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    ) && event.paths.iter().any(|p| is_knowledge_file(p))
}

pub fn watch(live: Arc<Live>, debounce: Duration) -> Result<Watcher, String> {
    let dir = live.dir().to_path_buf();
    let fail = |e: notify::Error| format!("cannot watch {}: {e}", dir.display());
    let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(tx).map_err(fail)?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(fail)?;
    std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            // Ends when the watcher, and so the sender, is dropped.
            while let Ok(event) = rx.recv() {
                match event {
                    Ok(e) if is_edit(&e) => {}
                    Ok(_) => continue,
                    Err(err) => {
                        tracing::warn!("watching the knowledge folder failed: {err}");
                        continue;
                    }
                }
                // Wait for the folder to be quiet, then reload once.
                loop {
                    match rx.recv_timeout(debounce) {
                        Ok(_) => continue,
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                reload_and_log(&live, "watch");
                // Drop what our own reload raised (opened files).
                while rx.try_recv().is_ok() {}
            }
        })
        .map_err(|e| format!("cannot start the watcher thread: {e}"))?;
    Ok(Watcher { _watcher: watcher })
}
