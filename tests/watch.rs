//! The folder watcher when the folder itself is replaced: moved aside and a
//! new one moved in, removed and made again, or its link switched. Each time
//! the new folder's knowledge is served, and later edits in it reload too.
//!
//! Real files in a temp dir; every wait polls for the outcome with a
//! generous deadline instead of assuming how fast the watcher is.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use outsourcing_bot::live::Live;
use outsourcing_bot::triggers;

#[path = "support/console.rs"]
mod console;
use console::Console;

#[path = "support/files.rs"]
mod files;
use files::{append, copy_bundled, NEARSHORING};

/// A copy of the bundled knowledge at `dir` (made), with `extra` appended
/// to the Spanish document.
fn knowledge_at(dir: &Path, extra: &str) {
    copy_bundled(dir, &["es/bpo-kpo.md", "rules.toml", "synonyms.toml"]);
    append(&dir.join("es/bpo-kpo.md"), extra);
}

const ONSHORING: &str = "\n## ¿Qué es el onshoring? {#onshoring}\n\nEl onshoring es externalizar a un proveedor del mismo país que la empresa.\n";
const MARKER: &str = "\n## Marcador del folder viejo {#marcador-viejo}\n\nEste texto solo está en la carpeta que ya no se sirve.\n";

/// Whether the served Spanish edition has a section with this slug.
fn serves(live: &Live, slug: &str) -> bool {
    live.snapshot()
        .brain
        .knowledge
        .editions
        .values()
        .flat_map(|e| &e.documents)
        .flat_map(|d| &d.sections)
        .any(|s| s.slug == slug)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Serves `link` (the folder's path as configured) and watches it.
fn watched(link: &Path) -> (Arc<Live>, triggers::Watcher) {
    let live = Arc::new(Live::load(link).unwrap());
    let watcher = triggers::watch(live.clone(), Duration::from_millis(100)).unwrap();
    (live, watcher)
}

/// After a replacement: its content is served, then an edit in the new
/// folder is served too.
fn new_folder_is_served_and_watched(live: &Live, kb: &Path) {
    wait_until("the new folder is served", || serves(live, "nearshoring"));
    append(&kb.join("es/bpo-kpo.md"), ONSHORING);
    wait_until("an edit in the new folder is served", || {
        serves(live, "onshoring")
    });
}

#[test]
fn a_folder_moved_into_place_is_served_and_watched() {
    let root = tempfile::tempdir().unwrap();
    let kb = root.path().join("kb");
    knowledge_at(&kb, "");
    let (live, _watcher) = watched(&kb);
    let next = root.path().join("kb.next");
    knowledge_at(&next, NEARSHORING);

    fs::rename(&kb, root.path().join("kb.old")).unwrap();
    fs::rename(&next, &kb).unwrap();
    new_folder_is_served_and_watched(&live, &kb);
}

#[test]
fn a_folder_removed_and_made_again_is_served_and_watched() {
    let root = tempfile::tempdir().unwrap();
    let kb = root.path().join("kb");
    knowledge_at(&kb, "");
    let (live, _watcher) = watched(&kb);
    let generation = live.snapshot().version.generation;

    fs::remove_dir_all(&kb).unwrap();
    // Long enough for the watcher to find the folder gone and start
    // looking for it; the old knowledge serves meanwhile.
    thread::sleep(Duration::from_millis(1500));
    assert_eq!(live.snapshot().version.generation, generation);
    assert!(serves(&live, "que-es-un-kpo"));

    knowledge_at(&kb, NEARSHORING);
    new_folder_is_served_and_watched(&live, &kb);
}

#[test]
fn a_switched_link_is_followed_and_the_old_target_ignored() {
    let root = tempfile::tempdir().unwrap();
    let (v1, v2) = (root.path().join("v1"), root.path().join("v2"));
    knowledge_at(&v1, "");
    knowledge_at(&v2, NEARSHORING);
    let kb = root.path().join("kb");
    std::os::unix::fs::symlink("v1", &kb).unwrap();
    let (live, _watcher) = watched(&kb);

    // As a deploy does it: a new link renamed over the old one.
    let switched = Command::new("ln")
        .args(["-sfn", "v2", "kb"])
        .current_dir(root.path())
        .status()
        .unwrap();
    assert!(switched.success());
    new_folder_is_served_and_watched(&live, &kb);

    // The old target is not watched any more: editing it reloads nothing.
    let generation = live.snapshot().version.generation;
    append(&v1.join("es/bpo-kpo.md"), MARKER);
    thread::sleep(Duration::from_millis(1500));
    assert_eq!(live.snapshot().version.generation, generation);
    assert!(!serves(&live, "marcador-viejo"));
}

/// The running console: the folder's loss is logged at warn, its return at
/// info, and what it holds then is answered.
#[test]
fn the_console_says_when_the_folder_is_gone_and_when_it_is_back() {
    let root = tempfile::tempdir().unwrap();
    let kb = root.path().join("kb");
    knowledge_at(&kb, "");
    let config = root.path().join("bot.toml");
    fs::write(
        &config,
        "[knowledge]\nwatch = true\nwatch_debounce_ms = 100\n",
    )
    .unwrap();
    let mut console = Console::start(&kb, Some(&config));
    console.wait_for("knowledge loaded");

    fs::remove_dir_all(&kb).unwrap();
    let gone = console.wait_for("is gone");
    assert!(
        gone.contains("WARN") && gone.contains("keeps serving"),
        "{gone}"
    );
    knowledge_at(&kb, NEARSHORING);
    let back = console.wait_for("watching the knowledge folder again");
    assert!(back.contains("INFO"), "{back}");
    let reloaded = console.wait_for("knowledge reloaded");
    assert!(reloaded.contains("added=1"), "{reloaded}");

    let out = console.ask_last("¿Qué es el nearshoring?");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bpo-kpo/nearshoring/1"));
}
