//! The folder watcher when the folder itself is replaced: moved aside and a
//! new one moved in, removed and made again, or its link switched. Each time
//! the new folder's knowledge is served, and later edits in it reload too.
//! And when it is busy: an edit saved while a slow reload runs is loaded
//! after it, and a process that keeps reading the folder does not hold a
//! reload back.
//!
//! Real files in a temp dir; every wait polls for the outcome with a
//! generous deadline instead of assuming how fast the watcher is.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};
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
    watched_with(link, Duration::from_millis(100))
}

fn watched_with(link: &Path, debounce: Duration) -> (Arc<Live>, triggers::Watcher) {
    let live = Arc::new(Live::load(link).unwrap());
    let watcher = triggers::watch(live.clone(), debounce).unwrap();
    (live, watcher)
}

/// Sections in the generated document that makes a reload slow: about a
/// second to load in a debug build, long enough to save an edit during it.
const SLOW_SECTIONS: usize = 4_000;

/// A generated document of `sections` sections (a paragraph and an
/// alternate question each) for the watched folder to load slowly.
fn big_document(path: &Path, sections: usize) {
    let mut text = String::from("# Documento grande\n\n");
    for s in 1..=sections {
        text.push_str(&format!(
            "## Sección número {s} {{#s-{s}}}\n\n\
             Un párrafo de la sección {s} sobre la externalización de procesos y sus costos.\n\
             ? ¿qué dice la sección {s}?\n\n"
        ));
    }
    fs::write(path, text).unwrap();
}

const SECOND_EDIT: &str = "\n## ¿Qué es el farshoring? {#farshoring}\n\nEl farshoring es externalizar a un proveedor de un país lejano.\n";

/// An edit saved while a reload runs is served once that reload is done.
/// The watcher once emptied its queue after each reload, and with it the
/// second edit's event: that edit was never loaded.
#[test]
fn an_edit_saved_during_a_slow_reload_is_loaded_too() {
    let root = tempfile::tempdir().unwrap();
    let kb = root.path().join("kb");
    knowledge_at(&kb, "");
    let big = kb.join("es/grande.md");
    big_document(&big, SLOW_SECTIONS);
    let (live, _watcher) = watched(&kb);

    // The reload reads the big file, which nothing else opens: its "open"
    // event says the reload has begun, and has read the edited file already
    // (files are read in name order), and is still parsing and indexing.
    let (opened, reads) = mpsc::channel();
    let mut spy = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if matches!(event.kind, EventKind::Access(_)) {
                let _ = opened.send(event.paths);
            }
        }
    })
    .unwrap();
    spy.watch(&kb, RecursiveMode::Recursive).unwrap();
    let big = big.canonicalize().unwrap();

    append(&kb.join("es/bpo-kpo.md"), NEARSHORING);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let paths = reads
            .recv_timeout(left)
            .expect("the reload never opened the big file");
        if paths
            .iter()
            .any(|p| p.canonicalize().ok().as_ref() == Some(&big))
        {
            break;
        }
    }
    append(&kb.join("es/bpo-kpo.md"), SECOND_EDIT);
    wait_until("both edits are served", || {
        serves(&live, "nearshoring") && serves(&live, "farshoring")
    });
}

/// Reading the folder is not editing it: a process that keeps opening its
/// files (a backup, a search, the bot's own reloads) must not postpone a
/// pending reload forever, as it did when any event restarted the wait.
#[test]
fn reads_in_the_folder_do_not_hold_a_reload_back() {
    let root = tempfile::tempdir().unwrap();
    let kb = root.path().join("kb");
    knowledge_at(&kb, "");
    // Reads come far more often than the debounce lets a quiet spell pass.
    let (live, _watcher) = watched_with(&kb, Duration::from_millis(300));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, file) = (stop.clone(), kb.join("rules.toml"));
        thread::spawn(move || {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                reads += fs::read(&file).unwrap().len().min(1) as u64;
                thread::sleep(Duration::from_millis(20));
            }
            reads
        })
    };

    append(&kb.join("es/bpo-kpo.md"), NEARSHORING);
    wait_until("the edit is served while the folder is read", || {
        serves(&live, "nearshoring")
    });
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
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
