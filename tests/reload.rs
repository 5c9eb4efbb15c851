//! Reloading: changes are served after a reload, bad edits change nothing,
//! questions asked during reloads always get a whole answer from one version,
//! and the triggers (console, SIGHUP, folder watching) work.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::live::Live;
use outsourcing_bot::recommend::{recommend, Answers};
use outsourcing_bot::triggers;

#[path = "support/console.rs"]
mod console;
use console::Console;

#[path = "support/files.rs"]
mod files;
use files::{append, copy_bundled, NEARSHORING};

/// A copy of the bundled knowledge in a temp dir (the Spanish edition only).
fn copy_of_bundled() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_bundled(
        dir.path(),
        &["es/bpo-kpo.md", "rules.toml", "synonyms.toml"],
    );
    dir
}

fn ask(live: &Live, q: &str) -> outsourcing_bot::answer::Answer {
    let snapshot = live.snapshot();
    answer(
        &snapshot.brain,
        &Question::new(q, 500).unwrap(),
        &AnswerOptions::default(),
    )
}

#[test]
fn a_reload_serves_new_and_changed_sections() {
    let dir = copy_of_bundled();
    let live = Live::load(dir.path()).unwrap();
    let first_hash = live.snapshot().version.hash;
    assert!(!ask(&live, "¿Qué es el nearshoring?").answered);

    let md = dir.path().join("es/bpo-kpo.md");
    append(&md, NEARSHORING);
    let text = fs::read_to_string(&md).unwrap();
    fs::write(
        &md,
        text.replace(
            "Esta es una preocupación urgente",
            "Esta es una preocupación muy urgente",
        ),
    )
    .unwrap();

    let report = live.reload().unwrap();
    assert_eq!(report.before.passages + 1, report.after.passages);
    assert_eq!(report.before.sections + 1, report.after.sections);
    assert_eq!(
        report.added,
        ["es:bpo-kpo/nearshoring (¿Qué es el nearshoring?)"]
    );
    assert_eq!(
        report.changed,
        ["es:bpo-kpo/desafios-de-bpo (¿Cuáles son los desafíos del BPO?)"]
    );
    assert!(report.removed.is_empty());
    assert_eq!(report.version.generation, 2);
    // The version names the new files, and it is the one now served.
    assert_ne!(report.version.hash, first_hash);
    assert_eq!(live.snapshot().version, report.version);
    let shown = report.to_string();
    assert!(
        shown.contains("29 → 30 passages") && shown.contains("added: es:bpo-kpo/nearshoring"),
        "{shown}"
    );

    let a = ask(&live, "¿Qué es el nearshoring?");
    assert!(a.answered, "{a:?}");
    assert_eq!(a.passages[0].id, "bpo-kpo/nearshoring/1");

    // The same files again: a new generation, nothing changed.
    let again = live.reload().unwrap();
    assert!(!again.content_changed && again.version.hash == report.version.hash);
    assert!(again.to_string().contains("no file changed"));
}

/// Every way an edit can be bad: the reload is refused with file:line and
/// the old answers stay exactly as they were.
#[test]
fn a_bad_edit_changes_nothing() {
    let dir = copy_of_bundled();
    let live = Live::load(dir.path()).unwrap();
    let before = ask(&live, "beneficios del kpo");
    let version = live.snapshot().version;
    let md = dir.path().join("es/bpo-kpo.md");
    let rules = dir.path().join("rules.toml");
    let good_md = fs::read_to_string(&md).unwrap();
    let good_rules = fs::read_to_string(&rules).unwrap();

    let section = good_md.find("## ¿Cuáles son los desafíos de KPO?").unwrap();
    let next = good_md
        .find("## ¿Cuáles son las principales diferencias")
        .unwrap();
    let cases: Vec<(PathBuf, String, &str)> = vec![
        (
            md.clone(),
            format!("- suelto\n{good_md}"),
            "bpo-kpo.md:1: list before any section",
        ),
        (
            md.clone(),
            format!("{good_md}\n## Vacía\n"),
            "section 'Vacía' is empty",
        ),
        (
            rules.clone(),
            good_rules.replacen("weight = 3.0", "weight = -3", 1),
            "rules.toml:",
        ),
        (
            rules.clone(),
            good_rules.replace("[verdict]", "[verdict"),
            "rules.toml:",
        ),
        (
            md.clone(),
            format!("{}{}", &good_md[..section], &good_md[next..]),
            "cites 'bpo-kpo/desafios-de-kpo/1', which is not a passage id",
        ),
    ];
    for (file, content, expected) in cases {
        fs::write(&file, content).unwrap();
        let problems = live.reload().unwrap_err().to_string();
        assert!(problems.contains(expected), "{expected}: {problems}");
        assert_eq!(ask(&live, "beneficios del kpo"), before);
        assert_eq!(live.snapshot().version, version);
        fs::write(&md, &good_md).unwrap();
        fs::write(&rules, &good_rules).unwrap();
    }
}

/// Two valid versions that differ in a marker passage and a rule's reason,
/// and a broken one, swapped in a loop while threads ask and recommend.
#[test]
fn questions_during_reloads_get_whole_answers_from_one_version() {
    let dir = copy_of_bundled();
    let md = dir.path().join("es/bpo-kpo.md");
    let rules = dir.path().join("rules.toml");
    let base_md = fs::read_to_string(&md).unwrap();
    let base_rules = fs::read_to_string(&rules).unwrap();
    let version = |marker: &str| {
        (
            format!("{base_md}\n## Marcador {{#marcador}}\n\nEsta es la versión {marker} del marcador.\n"),
            base_rules.replace(
                "La externalización del centro de llamadas es uno de los tipos de BPO.",
                &format!("La externalización del centro de llamadas es uno de los tipos de BPO ({marker})."),
            ),
        )
    };
    let versions = [version("alfa"), version("beta")];
    fs::write(&md, &versions[0].0).unwrap();
    fs::write(&rules, &versions[0].1).unwrap();
    let live = Arc::new(Live::load(dir.path()).unwrap());

    // Which marker each content hash must show.
    let mut markers = std::collections::HashMap::new();
    markers.insert(live.snapshot().version.hash, "alfa");
    fs::write(&md, &versions[1].0).unwrap();
    fs::write(&rules, &versions[1].1).unwrap();
    markers.insert(live.reload().unwrap().version.hash, "beta");
    let markers = Arc::new(markers);

    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for t in 0..4 {
        let (live, stop, markers) = (live.clone(), stop.clone(), markers.clone());
        workers.push(thread::spawn(move || {
            let mut calls = 0u64;
            let q = Question::new("marcador de la versión", 500).unwrap();
            while !stop.load(Ordering::Relaxed) || calls < 50 {
                let snapshot = live.snapshot();
                let marker = markers[&snapshot.version.hash];
                if t % 2 == 0 {
                    let a = answer(&snapshot.brain, &q, &AnswerOptions::default());
                    // Answered or offered as a topic, the marker comes first.
                    assert!(a.passages[0].id.contains("marcador"), "{a:?}");
                    for p in a.passages.iter().filter(|p| p.id.contains("marcador")) {
                        assert!(
                            p.text.contains(marker),
                            "mixed versions: {} in {marker}",
                            p.text
                        );
                    }
                } else {
                    let rules = snapshot.brain.rules().unwrap();
                    let answers = Answers::parse(rules, &["work=call-center"]).unwrap();
                    let rec = recommend(rules, &answers, Lang::Es);
                    assert!(
                        rec.reasons[0].text.contains(&format!("({marker})")),
                        "{:?}",
                        rec.reasons[0]
                    );
                }
                calls += 1;
            }
            calls
        }));
    }

    let started = Instant::now();
    let mut swaps = 0;
    while started.elapsed() < Duration::from_secs(3) || swaps < 12 {
        let (m, r) = match swaps % 3 {
            0 => (versions[0].0.clone(), versions[0].1.clone()),
            1 => (versions[1].0.clone(), versions[1].1.clone()),
            _ => (format!("- roto\n{}", versions[0].0), versions[0].1.clone()),
        };
        fs::write(&md, m).unwrap();
        fs::write(&rules, r).unwrap();
        let result = live.reload();
        assert_eq!(result.is_ok(), swaps % 3 != 2, "{result:?}");
        swaps += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let calls: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(calls >= 200, "{calls} calls");
}

#[test]
fn the_watcher_reloads_once_per_burst_of_writes() {
    let dir = copy_of_bundled();
    let live = Arc::new(Live::load(dir.path()).unwrap());
    let _watcher = triggers::watch(live.clone(), Duration::from_millis(200)).unwrap();
    let md = dir.path().join("es/bpo-kpo.md");
    let text = fs::read_to_string(&md).unwrap();

    // A burst, as an editor saves: several writes well inside the debounce.
    for i in 0..5 {
        fs::write(&md, format!("{text}{NEARSHORING}{}", "\n".repeat(i))).unwrap();
        thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while live.snapshot().version.generation == 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        ask(&live, "¿Qué es el nearshoring?").answered,
        "the change is served"
    );
    // Quiet for several debounce periods: the burst made exactly one reload.
    thread::sleep(Duration::from_millis(1000));
    assert_eq!(live.snapshot().version.generation, 2);

    // An editor's swap file is not knowledge: no reload.
    fs::write(dir.path().join("es/.bpo-kpo.md.swp"), "junk").unwrap();
    thread::sleep(Duration::from_millis(800));
    assert_eq!(live.snapshot().version.generation, 2);

    // A bad automatic reload changes nothing.
    fs::write(&md, format!("- roto\n{text}")).unwrap();
    thread::sleep(Duration::from_millis(1000));
    assert_eq!(live.snapshot().version.generation, 2);
    assert!(ask(&live, "¿Qué es el nearshoring?").answered);
}

#[test]
fn the_console_reloads_on_request() {
    let dir = copy_of_bundled();
    let md = dir.path().join("es/bpo-kpo.md");
    let Console { mut child, .. } = Console::start(dir.path(), None);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut read_reply = || {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "console ended early: {reply}"
            );
            if line == "\n" {
                return reply;
            }
            reply.push_str(&line);
        }
    };
    writeln!(stdin, "¿Qué es el nearshoring?").unwrap();
    assert!(read_reply().starts_with("Sin respuesta clara"));
    append(&md, NEARSHORING);
    writeln!(stdin, ":reload").unwrap();
    let report = read_reply();
    assert!(report.contains("added: es:bpo-kpo/nearshoring"), "{report}");
    writeln!(stdin, "¿Qué es el nearshoring?").unwrap();
    assert!(read_reply().contains("bpo-kpo/nearshoring/1"));
    fs::write(&md, "- roto\n").unwrap();
    writeln!(stdin, ":reload").unwrap();
    let refused = read_reply();
    assert!(
        refused.contains("bpo-kpo.md:1: list before any section"),
        "{refused}"
    );
    assert!(
        refused.contains("The old knowledge is still served."),
        "{refused}"
    );
    writeln!(stdin, "¿Qué es el nearshoring?").unwrap();
    assert!(read_reply().contains("bpo-kpo/nearshoring/1"));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[cfg(unix)]
#[test]
fn sighup_reloads_the_running_process() {
    let dir = copy_of_bundled();
    let mut console = Console::start(dir.path(), None);
    console.wait_for("knowledge loaded");
    append(&dir.path().join("es/bpo-kpo.md"), NEARSHORING);
    let status = Command::new("kill")
        .args(["-HUP", &console.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let line = console.wait_for("knowledge reloaded");
    assert!(
        line.contains("added=1") && line.contains("trigger=\"SIGHUP\""),
        "{line}"
    );

    let out = console.ask_last("¿Qué es el nearshoring?");
    assert!(String::from_utf8_lossy(&out.stdout).contains("bpo-kpo/nearshoring/1"));
}

/// Starts the console over a copy of the bundled knowledge, with info logs
/// on stderr; `blocked` starts it with SIGHUP blocked, as a parent may leave
/// it, so a signal sent at once is pending before its first instruction.
#[cfg(unix)]
fn console_with_logs(dir: &Path, blocked: bool) -> Console {
    use std::os::unix::process::CommandExt;

    let mut cmd = console::command(dir, None);
    if blocked {
        // SAFETY: only async-signal-safe calls on a local set, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGHUP);
                if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    Console::spawn(cmd)
}

/// Waits for the reload the signal asked for, then asks one question,
/// closes stdin, and checks the console answered it and ended well (not
/// killed by SIGHUP), having reloaded exactly once.
#[cfg(unix)]
fn reloads_once_and_answers(Console { mut child, logs }: Console) {
    use std::os::unix::process::ExitStatusExt;

    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Ends early if the child dies (its stderr closes).
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match logs.recv_timeout(left) {
            Ok(line) => {
                let done = line.contains("knowledge reloaded");
                seen.push(line);
                if done {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    // Fails only if the child is gone; the status below says how.
    let _ = writeln!(stdin, "¿Qué es un KPO?");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.signal(),
        None,
        "killed: {:?} {seen:#?}",
        out.status
    );
    assert!(out.status.success(), "{:?}", out.status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("bpo-kpo/que-es-un-kpo/1"), "{stdout}");
    // The child is gone: the reader thread ends at the end of its stderr.
    seen.extend(logs.iter());
    let reloads = seen
        .iter()
        .filter(|l| l.contains("knowledge reloaded") && l.contains("trigger=\"SIGHUP\""))
        .count();
    assert_eq!(reloads, 1, "{seen:#?}");
}

/// A SIGHUP that is already pending when the process starts (the earliest
/// a start-up signal can come) does not end it: it is a reload, done once
/// the knowledge is loaded.
#[cfg(unix)]
#[test]
fn a_sighup_before_start_up_is_a_reload_once_loaded() {
    let dir = copy_of_bundled();
    for wait_ms in [0, 5, 20] {
        let console = console_with_logs(dir.path(), true);
        thread::sleep(Duration::from_millis(wait_ms));
        // SAFETY: kill has no memory effects; the pid is our own live child.
        assert_eq!(
            unsafe { libc::kill(console.child.id() as i32, libc::SIGHUP) },
            0
        );
        reloads_once_and_answers(console);
    }
}

/// SIGHUP sent in the first milliseconds after the program starts running
/// (while config and knowledge load) no longer kills it (exit 129).
#[cfg(target_os = "linux")]
#[test]
fn a_sighup_during_start_up_does_not_kill() {
    let dir = copy_of_bundled();
    for wait_ms in [5, 15, 30] {
        let console = console_with_logs(dir.path(), false);
        // The Rust runtime sets its SIGSEGV handler before `main`: from
        // then on the program runs, and SIGHUP is caught almost at once.
        // Before that (the loader's work) no program can catch anything.
        let status = format!("/proc/{}/status", console.child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let caught = fs::read_to_string(&status)
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("SigCgt:"))
                        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
                })
                .unwrap_or(0);
            if caught & (1 << (libc::SIGSEGV - 1)) != 0 {
                break;
            }
            thread::sleep(Duration::from_micros(200));
        }
        thread::sleep(Duration::from_millis(wait_ms));
        // SAFETY: as above.
        assert_eq!(
            unsafe { libc::kill(console.child.id() as i32, libc::SIGHUP) },
            0
        );
        reloads_once_and_answers(console);
    }
}
