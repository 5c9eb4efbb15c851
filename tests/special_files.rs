//! Special and oversize files in the knowledge folder: a named pipe, a link
//! to a device, a file past the caps. Each is a problem reported at once with
//! the file's name, by `check` and by a reload, which keeps serving what it
//! served. A hang fails the test (after a generous guard) instead of blocking it.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use outsourcing_bot::config::Config;
use outsourcing_bot::knowledge::{self, Limits, Problem};
use outsourcing_bot::live::Live;

#[path = "support/console.rs"]
mod console;
use console::Console;

#[path = "support/files.rs"]
mod files;
use files::copy_bundled;

/// Not a timing assertion: only how long to wait before calling it a hang.
const HANG: Duration = Duration::from_secs(60);

/// Every file of the bundled knowledge.
const FILES: [&str; 4] = [
    "es/bpo-kpo.md",
    "en/bpo-kpo.md",
    "rules.toml",
    "synonyms.toml",
];

/// A copy of the bundled knowledge, both editions.
fn knowledge_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_bundled(dir.path(), &FILES);
    dir
}

fn mkfifo(path: &Path) {
    let _ = fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn link(target: &str, path: &Path) {
    let _ = fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).unwrap();
}

/// Runs `f` on its own thread and returns what it returns, or fails the
/// test if it has not returned after [`HANG`].
fn without_hanging<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("{what} blocked"))
}

/// Runs `check` on `dir`: (exit code, stderr).
fn check(dir: &Path, config: Option<&Path>) -> (Option<i32>, String) {
    let mut cmd = assert_cmd::Command::cargo_bin("outsourcing-bot").unwrap();
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    let out = cmd
        .arg("check")
        .arg("--knowledge")
        .arg(dir)
        .timeout(HANG)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn has(problems: &[Problem], file: &Path, fragment: &str) -> bool {
    problems
        .iter()
        .any(|p| p.file == file && p.message.contains(fragment))
}

#[test]
fn check_reports_a_named_pipe_at_once() {
    for file in ["es/bpo-kpo.md", "synonyms.toml", "rules.toml"] {
        let dir = knowledge_copy();
        let path = dir.path().join(file);
        mkfifo(&path);
        let (code, stderr) = check(dir.path(), None);
        assert_eq!(code, Some(1), "{file}: {stderr}");
        let want = format!(
            "{}: it is a named pipe (FIFO), not a regular file",
            path.display()
        );
        assert!(stderr.contains(&want), "{file}: {stderr}");
    }
}

#[test]
fn check_reports_a_link_to_a_device_at_once() {
    for (file, device) in [
        ("en/bpo-kpo.md", "/dev/zero"),
        ("synonyms.toml", "/dev/urandom"),
    ] {
        let dir = knowledge_copy();
        let path = dir.path().join(file);
        link(device, &path);
        let (code, stderr) = check(dir.path(), None);
        assert_eq!(code, Some(1), "{file}: {stderr}");
        let want = format!(
            "{}: it links to {device}, a character device, not a regular file",
            path.display()
        );
        assert!(stderr.contains(&want), "{file}: {stderr}");
    }
}

#[test]
fn a_reload_over_special_files_reports_them_and_keeps_serving() {
    let dir = knowledge_copy();
    let live = Arc::new(Live::load(dir.path()).unwrap());
    let before = live.snapshot();
    let pipe = dir.path().join("en/bpo-kpo.md");
    let zero = dir.path().join("es/bpo-kpo.md");
    mkfifo(&pipe);
    link("/dev/zero", &zero);

    let reloading = live.clone();
    let problems = without_hanging("the reload", move || reloading.reload())
        .unwrap_err()
        .0;
    assert!(has(&problems, &pipe, "named pipe (FIFO)"), "{problems:?}");
    assert!(has(&problems, &zero, "links to /dev/zero"), "{problems:?}");
    let after = live.snapshot();
    assert_eq!(after.version, before.version);
    assert_eq!(
        after.brain.passage_count(),
        before.brain.passage_count(),
        "the served knowledge must stay whole"
    );
}

#[test]
fn a_file_past_max_file_bytes_is_a_problem() {
    let dir = knowledge_copy();
    let rules = dir.path().join("rules.toml");
    let size = fs::metadata(&rules).unwrap().len();
    let limits = Limits {
        max_file_bytes: size - 1,
        ..Limits::default()
    };
    let problems = knowledge::load_with(dir.path(), limits).unwrap_err().0;
    assert!(
        has(&problems, &rules, "larger than knowledge.max_file_bytes"),
        "{problems:?}"
    );
    // At the limit it is read: the cap is the largest file's size.
    let largest = FILES
        .iter()
        .map(|f| fs::metadata(dir.path().join(f)).unwrap().len())
        .max()
        .unwrap();
    let limits = Limits {
        max_file_bytes: largest,
        ..Limits::default()
    };
    knowledge::load_with(dir.path(), limits).unwrap();
}

/// A file whose size says nothing of its content (files of /proc say 0)
/// is still read no further than the cap.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_holds_more_than_its_size_says_is_cut_at_the_cap() {
    let dir = knowledge_copy();
    let doc = dir.path().join("es/bpo-kpo.md");
    link("/proc/self/maps", &doc);
    assert_eq!(fs::metadata(&doc).unwrap().len(), 0);
    let limits = Limits {
        max_file_bytes: 64,
        ..Limits::default()
    };
    let problems = knowledge::load_with(dir.path(), limits).unwrap_err().0;
    assert!(
        has(
            &problems,
            &doc,
            "larger than knowledge.max_file_bytes (64 bytes)"
        ),
        "{problems:?}"
    );
}

#[test]
fn files_past_max_total_bytes_are_one_problem() {
    let dir = knowledge_copy();
    let limits = Limits {
        max_total_bytes: 2048,
        ..Limits::default()
    };
    let problems = knowledge::load_with(dir.path(), limits).unwrap_err().0;
    let over: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.message.contains("knowledge.max_total_bytes (2 KiB)"))
        .collect();
    assert_eq!(over.len(), 1, "{problems:?}");
    // The documents left unread are not reported missing from their edition.
    assert!(
        !problems
            .iter()
            .any(|p| p.message.contains("edition has no")),
        "{problems:?}"
    );
}

#[test]
fn the_caps_come_from_the_config() {
    let dir = knowledge_copy();
    let config = dir.path().join("bot.toml");
    fs::write(&config, "[knowledge]\nmax_file_bytes = 1024\n").unwrap();
    let (code, stderr) = check(dir.path(), Some(&config));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("larger than knowledge.max_file_bytes (1 KiB)"),
        "{stderr}"
    );

    let parsed = Config::parse(
        Path::new("c.toml"),
        "[knowledge]\nmax_file_bytes = 100\nmax_total_bytes = 1000\n",
    )
    .unwrap();
    assert_eq!(
        parsed.knowledge.limits(),
        Limits {
            max_file_bytes: 100,
            max_total_bytes: 1000
        }
    );
    assert_eq!(Config::default().knowledge.limits(), Limits::default());
    for key in ["max_file_bytes", "max_total_bytes"] {
        let err = Config::parse(Path::new("c.toml"), &format!("[knowledge]\n{key} = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("knowledge.{key}")), "{err}");
    }
}

/// The running console: SIGHUP over a folder with a named pipe in it is a
/// refused reload, logged at once, and the next question is still answered.
#[test]
fn a_sighup_over_a_named_pipe_leaves_chat_answering() {
    use std::process::Command;

    let dir = knowledge_copy();
    let mut console = Console::start(dir.path(), None);
    console.wait_for("knowledge loaded");
    let pipe = dir.path().join("en/bpo-kpo.md");
    mkfifo(&pipe);
    let status = Command::new("kill")
        .args(["-HUP", &console.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    console.wait_for("reload refused");
    let line = console.wait_for("named pipe (FIFO)");
    assert!(line.contains("en/bpo-kpo.md"), "{line}");

    let out = console.ask_last("¿Qué es un KPO?");
    assert!(out.status.success());
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(answer.contains("bpo-kpo/que-es-un-kpo/1"), "{answer}");
}
