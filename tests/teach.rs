//! Teaching an alternate question: where the line lands, that the question
//! is then answered with its passage, what is refused and leaves the file
//! as it was, and teaches racing each other and reloads without a line lost.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use outsourcing_bot::knowledge::teach::{teach, TeachError, TeachLimits};
use outsourcing_bot::knowledge::{self, Limits};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::live::Live;
use serde_json::Value;

#[path = "support/files.rs"]
mod files;

const LIMITS: TeachLimits = TeachLimits {
    knowledge: Limits {
        max_file_bytes: Limits::DEFAULT_MAX_FILE_BYTES,
        max_total_bytes: Limits::DEFAULT_MAX_TOTAL_BYTES,
    },
    question_max_chars: 500,
};

/// A copy of the whole bundled knowledge.
fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    files::copy_bundled(
        dir.path(),
        &[
            "es/bpo-kpo.md",
            "en/bpo-kpo.md",
            "synonyms.toml",
            "rules.toml",
        ],
    );
    dir
}

fn es(dir: &Path) -> PathBuf {
    dir.join("es").join("bpo-kpo.md")
}

/// Runs the binary (in a working folder with no config.toml: defaults).
fn bot(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = bot_command(args).output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// Not in the knowledge folder under test: the store the bot makes in its
/// working folder (`data/`) would be a folder the knowledge does not allow.
fn bot_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outsourcing-bot"));
    cmd.current_dir(files::workdir())
        .args(args)
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG");
    cmd
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Where the format says a passage's next question goes, found by reading
/// the file as a person would: after the passage's text and its `?` lines
/// (for a section's first passage with none of its own, after the heading's
/// `?` lines). 0-based index of the line the new one becomes.
fn expected_slot(text: &[String], passage_line: usize, first_in_section: bool) -> usize {
    let mut i = passage_line; // the line after the passage's first (1-based → next index)
    let is_text = |l: &str| {
        !l.trim().is_empty() && !l.starts_with("- ") && !l.starts_with('?') && !l.starts_with('#')
    };
    while i < text.len() && is_text(&text[i]) {
        i += 1;
    }
    let own_questions = i < text.len() && text[i].starts_with("? ");
    while i < text.len() && text[i].starts_with("? ") {
        i += 1;
    }
    if own_questions || !first_in_section {
        return i;
    }
    // No questions of its own: its heading's, if it has any.
    let mut h = passage_line - 1;
    while !text[h].starts_with("## ") {
        h -= 1;
    }
    let mut j = h + 1;
    while text[j].starts_with("? ") {
        j += 1;
    }
    if j > h + 1 {
        j
    } else {
        i
    }
}

/// The passage's first line and whether it opens its section.
fn place_of(dir: &Path, lang: Lang, id: &str) -> (usize, bool) {
    let k = knowledge::load(dir).unwrap();
    let p = k.editions[&lang]
        .passages()
        .find(|p| p.passage.id == id)
        .unwrap();
    (p.passage.line, p.section.passages[0].id == id)
}

fn questions_of(dir: &Path, lang: Lang, id: &str) -> Vec<String> {
    let k = knowledge::load(dir).unwrap();
    let p = k.editions[&lang]
        .passages()
        .find(|p| p.passage.id == id)
        .unwrap();
    p.passage.questions.clone()
}

/// Teaches `question` to `id` and checks the file is the old one with the
/// line inserted where the format puts it, and nothing else.
fn teach_and_check_place(dir: &Path, id: &str, question: &str) {
    let before = lines(&es(dir));
    let (line, first) = place_of(dir, Lang::Es, id);
    let at = expected_slot(&before, line, first);
    let taught = teach(dir, Lang::Es, id, question, LIMITS).unwrap();
    assert!(taught.added);
    assert_eq!(taught.line, at + 1, "{id}");
    let mut expected = before.clone();
    expected.insert(at, format!("? {question}"));
    assert_eq!(lines(&es(dir)), expected, "{id}");
    let asked = questions_of(dir, Lang::Es, id);
    assert_eq!(asked.last().map(String::as_str), Some(question), "{id}");
}

#[test]
fn a_taught_question_lands_under_its_passage_and_is_then_answered_with_it() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let question = "cuánto tarda en arrancar un proveedor nuevo";
    let ask = || {
        let (code, out, err) = bot(&["ask", "--json", "--knowledge", path, question]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let before = ask();
    assert_eq!(before["answered"], false, "{before}");

    let id = "bpo-kpo/que-es-un-bpo/2";
    let (line, first) = place_of(dir.path(), Lang::Es, id);
    let at = expected_slot(&lines(&es(dir.path())), line, first);
    let (code, out, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        id,
        "cuánto tarda en arrancar",
        "un proveedor nuevo",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "added: {}:{}: ? {question} (passage {id})\n",
            es(dir.path()).display(),
            at + 1
        )),
        "{out}"
    );
    assert!(out.contains("nothing was reloaded here"), "{out}");
    assert_eq!(lines(&es(dir.path()))[at], format!("? {question}"));

    let after = ask();
    assert_eq!(after["answered"], true, "{after}");
    assert_eq!(after["passages"][0]["id"], id, "{after}");
    // The other edition was left alone, and the whole folder still checks.
    assert_eq!(
        fs::read(dir.path().join("en/bpo-kpo.md")).unwrap(),
        fs::read(files::bundled().join("en/bpo-kpo.md")).unwrap()
    );
    let (code, _, err) = bot(&["check", "--knowledge", path]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_default_edition_is_the_question_s_language() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let en = dir.path().join("en/bpo-kpo.md");
    let before = fs::read(es(dir.path())).unwrap();
    let question = "how long does a new provider take to start";
    let (code, out, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        "bpo-kpo/que-es-un-bpo/2",
        question,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{}:", en.display())), "{out}");
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);
    assert!(
        questions_of(dir.path(), Lang::En, "bpo-kpo/que-es-un-bpo/2")
            .contains(&question.to_string())
    );
}

/// A keyword question has no grammar words: the edition that uses its
/// words gets it ("meaning" is English, "significado" Spanish).
#[test]
fn a_keyword_question_goes_to_the_edition_that_uses_its_words() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let before = fs::read(es(dir.path())).unwrap();
    let question = "kpo acronym meaning";
    let (code, _, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        "bpo-kpo/que-es-un-kpo/1",
        question,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);
    assert!(
        questions_of(dir.path(), Lang::En, "bpo-kpo/que-es-un-kpo/1")
            .contains(&question.to_string())
    );
}

#[test]
fn a_second_teach_of_the_same_question_is_a_no_op() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let id = "bpo-kpo/desafios-de-bpo/1";
    let (code, _, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        id,
        "¿El BPO quema a la gente?",
    ]);
    assert_eq!(code, 0, "{err}");
    let once = fs::read(es(dir.path())).unwrap();
    // Accents, case, spacing and punctuation aside, it is the same question.
    let (code, out, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        id,
        "el bpo   QUEMA a la gente",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("already there, nothing written: "), "{out}");
    assert!(out.contains("? ¿El BPO quema a la gente?"), "{out}");
    assert_eq!(fs::read(es(dir.path())).unwrap(), once);
    // A question the bundled knowledge already has for it, too.
    let taught = teach(dir.path(), Lang::Es, id, "bpo rotación", LIMITS).unwrap();
    assert!(!taught.added);
    assert_eq!(lines(&es(dir.path()))[taught.line - 1], "? bpo rotacion");
    assert_eq!(fs::read(es(dir.path())).unwrap(), once);
}

#[test]
fn a_question_another_passage_of_the_section_has_is_refused_with_its_place() {
    let dir = bundled_copy();
    let before = fs::read(es(dir.path())).unwrap();
    // "q es un bpo" belongs to the section's first passage.
    let err = teach(
        dir.path(),
        Lang::Es,
        "bpo-kpo/que-es-un-bpo/2",
        "Q es un BPO?",
        LIMITS,
    )
    .unwrap_err();
    let TeachError::AskedElsewhere {
        passage_id, line, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(passage_id, "bpo-kpo/que-es-un-bpo/1");
    assert_eq!(lines(&es(dir.path()))[line - 1], "? q es un bpo");
    assert!(!err.is_usage());
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);
}

#[test]
fn an_unknown_passage_or_an_empty_question_exits_2_and_writes_nothing() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let before = fs::read(es(dir.path())).unwrap();
    let (code, out, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        "bpo-kpo/que-es-un-bpo/99",
        "¿qué es?",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("no passage 'bpo-kpo/que-es-un-bpo/99'"),
        "{err}"
    );
    assert!(err.contains("ask --json"), "{err}");
    for args in [
        vec!["bpo-kpo/que-es-un-bpo/1", "  \t "],
        vec!["bpo-kpo/que-es-un-bpo/1", "¿?"],
        vec!["--lang", "fr", "bpo-kpo/que-es-un-bpo/1", "quoi"],
    ] {
        let mut all = vec!["teach", "--knowledge", path];
        all.extend(args);
        let (code, _, err) = bot(&all);
        assert_eq!(code, 2, "{all:?}: {err}");
    }
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);
}

#[test]
fn an_edit_that_would_not_validate_leaves_the_file_byte_identical() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap();
    let before = fs::read(es(dir.path())).unwrap();
    // The file fits its limit exactly, so one more line would not load.
    // The bundled synonyms are larger than the article: a small list keeps
    // the limit about the article alone.
    fs::write(
        dir.path().join("synonyms.toml"),
        "topic = [\"BPO\", \"KPO\"]\n",
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        format!("[knowledge]\nmax_file_bytes = {}\n", before.len()),
    )
    .unwrap();
    let (code, out, err) = bot(&[
        "--config",
        config.to_str().unwrap(),
        "teach",
        "--knowledge",
        path,
        "bpo-kpo/que-es-un-bpo/1",
        "¿una pregunta más?",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("the question was not written"), "{err}");
    assert!(
        err.contains(&format!(
            "{}: the file is larger than knowledge.max_file_bytes",
            es(dir.path()).display()
        )),
        "{err}"
    );
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);

    // Knowledge that is already broken elsewhere: nothing is written either,
    // and the problem is shown at its file:line.
    fs::remove_file(dir.path().join("config.toml")).unwrap();
    let en = dir.path().join("en/bpo-kpo.md");
    files::append(&en, "\n### Not a section\n");
    let en_lines = lines(&en).len();
    let (code, _, err) = bot(&[
        "teach",
        "--knowledge",
        path,
        "bpo-kpo/que-es-un-bpo/1",
        "¿una pregunta más?",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("{}:{en_lines}:", en.display())),
        "{err}"
    );
    assert_eq!(fs::read(es(dir.path())).unwrap(), before);
    // No temporary file was left behind.
    let names: Vec<_> = fs::read_dir(dir.path().join("es"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["bpo-kpo.md"]);
}

#[test]
fn the_line_lands_where_the_format_puts_it() {
    let dir = bundled_copy();
    // A section's first passage with its own questions: after them.
    teach_and_check_place(
        dir.path(),
        "bpo-kpo/que-es-un-bpo/1",
        "¿BPO es lo mismo que tercerizar?",
    );
    // A section's first passage whose questions stand under the heading
    // (a list's overview, found by its lead-in): after the heading's.
    teach_and_check_place(
        dir.path(),
        "bpo-kpo/tipos-de-bpo/1",
        "¿qué abarca el outsourcing de procesos?",
    );
    // A list item in the middle of its list: after its questions, and the
    // next item is still the next passage.
    teach_and_check_place(
        dir.path(),
        "bpo-kpo/tipos-de-bpo/3",
        "¿puedo tercerizar la carga de datos en planillas?",
    );
    // The last passage of the document.
    let k = knowledge::load(dir.path()).unwrap();
    let last = k.editions[&Lang::Es]
        .passages()
        .last()
        .unwrap()
        .passage
        .id
        .clone();
    teach_and_check_place(dir.path(), &last, "¿en resumen cuál elijo?");
    // Every passage is still there, with the same text.
    let again = knowledge::load(dir.path()).unwrap();
    let texts = |k: &knowledge::Knowledge| {
        k.editions[&Lang::Es]
            .passages()
            .map(|p| (p.passage.id.clone(), p.passage.text.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&again), texts(&k));
}

#[test]
fn a_passage_without_questions_gets_one_right_under_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("es").join("doc.md");
    fs::create_dir(doc.parent().unwrap()).unwrap();
    let text = "# Doc\n\n## Primera {#primera}\n\nUn párrafo\nen dos líneas.\n\nOtro párrafo. <!-- una nota\nque sigue -->\n\n## Segunda {#segunda}\n? ¿de la segunda?\nTexto.\n";
    fs::write(&doc, text).unwrap();
    let taught = teach(
        dir.path(),
        Lang::Es,
        "doc/primera/1",
        "¿qué dice el primero?",
        LIMITS,
    )
    .unwrap();
    assert_eq!(taught.line, 7);
    // After the comment that the second paragraph's line opens, not inside it.
    let taught = teach(
        dir.path(),
        Lang::Es,
        "doc/primera/2",
        "¿y el segundo?",
        LIMITS,
    )
    .unwrap();
    assert_eq!(taught.line, 11);
    // Under the heading's question, for the first passage of a section.
    let taught = teach(
        dir.path(),
        Lang::Es,
        "doc/segunda/1",
        "¿y la segunda?",
        LIMITS,
    )
    .unwrap();
    assert_eq!(taught.line, 15);
    assert_eq!(
        fs::read_to_string(&doc).unwrap(),
        "# Doc\n\n## Primera {#primera}\n\nUn párrafo\nen dos líneas.\n? ¿qué dice el primero?\n\nOtro párrafo. <!-- una nota\nque sigue -->\n? ¿y el segundo?\n\n## Segunda {#segunda}\n? ¿de la segunda?\n? ¿y la segunda?\nTexto.\n"
    );
    let k = knowledge::load(dir.path()).unwrap();
    let questions: Vec<Vec<String>> = k.editions[&Lang::Es]
        .passages()
        .map(|p| p.passage.questions.clone())
        .collect();
    assert_eq!(
        questions,
        [
            vec!["¿qué dice el primero?"],
            vec!["¿y el segundo?"],
            vec!["¿de la segunda?", "¿y la segunda?"]
        ]
    );
}

#[cfg(unix)]
#[test]
fn the_file_keeps_its_permissions_and_a_link_stays_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = bundled_copy();
    let real = tempfile::tempdir().unwrap();
    let target = real.path().join("bpo-kpo.md");
    fs::rename(es(dir.path()), &target).unwrap();
    std::os::unix::fs::symlink(&target, es(dir.path())).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    teach(
        dir.path(),
        Lang::Es,
        "bpo-kpo/que-es-un-bpo/1",
        "¿me explicás el BPO?",
        LIMITS,
    )
    .unwrap();
    assert!(fs::symlink_metadata(es(dir.path()))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(fs::read_to_string(&target)
        .unwrap()
        .contains("\n? ¿me explicás el BPO?\n"));
}

/// Threads and processes teach at once, to passages in both editions and
/// several to one passage, while a reload loops: every reload succeeds (it
/// never sees half a file), every line is kept, the knowledge checks.
#[test]
fn racing_teaches_and_reloads_lose_no_line() {
    let dir = bundled_copy();
    let path = dir.path().to_str().unwrap().to_string();
    let live = Arc::new(Live::load(dir.path()).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let reloads = {
        let (live, done) = (live.clone(), done.clone());
        std::thread::spawn(move || {
            let mut count = 0;
            while !done.load(Ordering::SeqCst) || count == 0 {
                if let Err(problems) = live.reload() {
                    panic!("a reload met a broken file: {problems}");
                }
                count += 1;
            }
            count
        })
    };
    let ids = [
        "bpo-kpo/que-es-un-bpo/1",
        "bpo-kpo/tipos-de-bpo/3",
        "bpo-kpo/desafios-de-bpo/1",
    ];
    let mut wanted: Vec<(Lang, &str, String)> = Vec::new();
    let mut processes = Vec::new();
    for (n, id) in ids.iter().cycle().take(6).enumerate() {
        let question = format!("pregunta de proceso número {} sobre zorzales", n);
        let lang = if n % 2 == 0 { "es" } else { "en" };
        let child = bot_command(&["teach", "--knowledge", &path, "--lang", lang, id, &question])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        processes.push(child);
        wanted.push((if n % 2 == 0 { Lang::Es } else { Lang::En }, id, question));
    }
    let threads: Vec<_> = (0..6)
        .map(|n| {
            let id = ids[n % ids.len()];
            let question = format!("pregunta de hilo número {n} sobre zorzales");
            let lang = if n % 2 == 0 { Lang::En } else { Lang::Es };
            wanted.push((lang, id, question.clone()));
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || teach(&dir, lang, id, &question, LIMITS).map(|t| t.added))
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap().unwrap());
    }
    for mut p in processes {
        assert!(p.wait().unwrap().success());
    }
    done.store(true, Ordering::SeqCst);
    assert!(reloads.join().unwrap() > 0);

    let k = knowledge::load(dir.path()).unwrap();
    for (lang, id, question) in &wanted {
        let p = k.editions[lang]
            .passages()
            .find(|p| p.passage.id == *id)
            .unwrap();
        assert!(
            p.passage.questions.contains(question),
            "{lang}: {id} lost '{question}'"
        );
    }
    for (lang, file) in [(Lang::Es, "es/bpo-kpo.md"), (Lang::En, "en/bpo-kpo.md")] {
        let text = fs::read_to_string(dir.path().join(file)).unwrap();
        let taught = wanted.iter().filter(|(l, _, _)| *l == lang).count();
        assert_eq!(text.matches("sobre zorzales").count(), taught, "{file}");
    }
    // The served knowledge, reloaded once more, has them all too.
    live.reload().unwrap();
    let (code, _, err) = bot(&["check", "--knowledge", &path]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_teach_then_a_hand_edit_then_a_teach_keep_all_three() {
    let dir = bundled_copy();
    let id = "bpo-kpo/que-es-un-kpo/1";
    teach(dir.path(), Lang::Es, id, "¿primera enseñada?", LIMITS).unwrap();
    let by_hand = "\n<!-- revisado a mano -->\n";
    files::append(&es(dir.path()), by_hand);
    teach(dir.path(), Lang::Es, id, "¿segunda enseñada?", LIMITS).unwrap();
    let text = fs::read_to_string(es(dir.path())).unwrap();
    assert!(
        text.contains("\n? ¿primera enseñada?\n? ¿segunda enseñada?\n"),
        "{text}"
    );
    assert!(text.ends_with(by_hand));
}

#[test]
fn the_console_teaches_then_reloads_and_answers_with_the_passage() {
    use std::io::Write;
    let dir = bundled_copy();
    let question = "cuánto tarda en arrancar un proveedor nuevo";
    let mut child = bot_command(&["--knowledge", dir.path().to_str().unwrap(), "chat"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!(
        ":teach\n:teach --lang xx bpo-kpo/que-es-un-bpo/2 {question}\n:teach bpo-kpo/que-es-un-bpo/2 {question}\n{question}\n"
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    let replies: Vec<&str> = out.split("\n\n").collect();
    assert!(replies[0].starts_with("usage: :teach"), "{out}");
    assert!(replies[1].starts_with("unknown language 'xx'"), "{out}");
    assert!(replies[2].starts_with("added: "), "{out}");
    // The reload report follows: one section changed.
    assert!(
        replies[2].contains("changed: es:bpo-kpo/que-es-un-bpo"),
        "{out}"
    );
    assert!(
        replies[3].contains("fuente: bpo-kpo/que-es-un-bpo/2 "),
        "{out}"
    );
}
