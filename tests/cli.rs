//! The command line as scripts and users meet it: exit codes, messages, the
//! `ask --json` shape of DESIGN.md, and the console driven through a pipe.

use std::fs;

use serde_json::Value;

#[path = "support/command.rs"]
mod command;
#[path = "support/console.rs"]
mod console;
#[path = "support/files.rs"]
mod files;
#[path = "support/postgres.rs"]
mod pg;

use command::{bot, run};

#[test]
fn ask_prints_the_kpo_definition_first() {
    let (code, out, _) = run(bot().args(["ask", "¿Qué es un KPO?"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("¿Qué es un KPO?"), "{out}");
    assert!(
        out.contains("La externalización de procesos de conocimiento o KPO"),
        "{out}"
    );
    assert!(
        out.contains("fuente: bpo-kpo/que-es-un-kpo/1 (knowledge/es/bpo-kpo.md:"),
        "{out}"
    );
}

#[test]
fn ask_json_has_the_contract_shape() {
    let (code, out, _) =
        run(bot().args(["ask", "--json", "--top", "2", "beneficios", "de", "kpo"]));
    assert_eq!(code, 0);
    // serde_json's map sorts keys; the printed order follows DESIGN.md.
    assert!(
        out.starts_with(
            r#"{"question":"beneficios de kpo","lang":"es","answered":true,"confidence":"#
        ),
        "{out}"
    );
    assert!(out.contains(r#""passages":[{"id":"bpo-kpo/beneficios-de-kpo/1","lang":"es","section":"Beneficios de KPO","text":""#), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["answered", "confidence", "lang", "passages", "question"]
    );
    assert_eq!(v["question"], "beneficios de kpo");
    assert_eq!(v["lang"], "es");
    assert_eq!(v["answered"], true);
    let confidence = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    let passages = v["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 2);
    let first = passages[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "lang", "score", "section", "text"]);
    assert_eq!(first["id"], "bpo-kpo/beneficios-de-kpo/1");
    assert_eq!(first["section"], "Beneficios de KPO");
    // JSON text is plain: no highlighting marks.
    assert!(!first["text"].as_str().unwrap().contains("**"));
    assert!(passages[0]["score"].as_f64() >= passages[1]["score"].as_f64());
}

#[test]
fn off_topic_questions_are_not_answered_but_exit_zero() {
    for q in [
        "¿Cuál es la capital de Francia?",
        "How do I bake bread?",
        "¿Qué es eso?",
    ] {
        let (code, out, _) = run(bot().args(["ask", "--json", q]));
        assert_eq!(code, 0, "{q}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["answered"], false, "{q}: {out}");
    }
    let (code, out, _) = run(bot().args(["ask", "¿Cuál es la capital de Francia?"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("Sin respuesta clara. No encontré"), "{out}");
    assert!(out.contains("Estos temas son los más cercanos:"), "{out}");
    let (_, out, _) = run(bot().args(["ask", "How do I bake bread?"]));
    assert!(out.starts_with("No clear answer. I found nothing"), "{out}");
    assert!(out.contains("Ask about BPO or KPO"), "{out}");
}

#[test]
fn questions_are_answered_in_their_own_language_unless_told() {
    let (_, out, _) = run(bot().args(["ask", "What is KPO?"]));
    assert!(out.starts_with("What is a KPO?  (confidence "), "{out}");
    assert!(
        out.contains("source: bpo-kpo/que-es-un-kpo/1 (knowledge/en/bpo-kpo.md:"),
        "{out}"
    );
    // Forced: the Spanish twin of the same passage, with Spanish labels.
    let (_, out, _) = run(bot().args(["ask", "--lang", "es", "What is KPO?"]));
    assert!(out.starts_with("¿Qué es un KPO?  (confianza "), "{out}");
    assert!(
        out.contains("fuente: bpo-kpo/que-es-un-kpo/1 (knowledge/es/bpo-kpo.md:"),
        "{out}"
    );
    // JSON: `lang` is --lang when given, else the question's.
    for (args, lang) in [
        (vec!["ask", "--json", "¿Qué es un KPO?"], "es"),
        (vec!["ask", "--json", "What is KPO?"], "en"),
        (
            vec!["ask", "--json", "--lang", "en", "¿Qué es un KPO?"],
            "en",
        ),
        (vec!["ask", "--json", "kpo vs bpo"], "es"),
    ] {
        let (_, out, _) = run(bot().args(&args));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["lang"], lang, "{args:?}");
        assert!(
            v["passages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["lang"] == lang),
            "{out}"
        );
    }
}

#[test]
fn an_empty_question_is_a_usage_error() {
    for args in [vec!["ask", ""], vec!["ask", "   "], vec!["ask"]] {
        let (code, out, err) = run(bot().args(&args));
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains("the question is empty"), "{err}");
    }
}

#[test]
fn a_huge_question_says_the_limit() {
    let long = "bpo ".repeat(200);
    let (code, _, err) = run(bot().args(["ask", &long]));
    assert_eq!(code, 2);
    assert!(err.contains("the limit is 500"), "{err}");
}

#[test]
fn the_limit_comes_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bot.toml");
    fs::write(&config, "[limits]\nquestion_max_chars = 10\n").unwrap();
    let (code, _, err) = run(bot().args([
        "--config",
        config.to_str().unwrap(),
        "ask",
        "¿Qué es un KPO hoy?",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("the limit is 10"), "{err}");
}

#[test]
fn unknown_options_and_bad_values_are_usage_errors() {
    let (code, _, err) = run(bot().args(["ask", "--colour", "kpo"]));
    assert_eq!(code, 2);
    assert!(err.contains("--colour"), "{err}");
    let (code, _, err) = run(bot().args(["ask", "--lang", "fr", "kpo"]));
    assert_eq!(code, 2);
    assert!(err.contains("known: es, en"), "{err}");
    let (code, _, err) = run(bot().args(["ask", "--top", "0", "kpo"]));
    assert_eq!(code, 2);
    assert!(err.contains("1..=10") || err.contains("1..11"), "{err}");
}

#[test]
fn a_missing_knowledge_folder_exits_1_naming_it() {
    let (code, _, err) = run(bot().args(["--knowledge", "/no/such/dir", "ask", "kpo"]));
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/dir"), "{err}");
}

#[test]
fn malformed_knowledge_exits_1_listing_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    fs::write(dir.path().join("es/a.md"), "- suelto\n# T\n## Vacia\n").unwrap();
    fs::create_dir_all(dir.path().join("fr")).unwrap();
    for cmd in [vec!["check"], vec!["ask", "kpo"]] {
        let (code, _, err) = run(bot().arg("--knowledge").arg(dir.path()).args(&cmd));
        assert_eq!(code, 1, "{cmd:?}");
        assert!(err.contains("a.md:1: list before any section"), "{err}");
        assert!(err.contains("a.md:3: section 'Vacia' is empty"), "{err}");
        assert!(err.contains("unknown language folder 'fr'"), "{err}");
    }
}

#[test]
fn check_reports_the_bundled_knowledge() {
    let (code, out, _) = run(bot().arg("check"));
    assert_eq!(code, 0);
    assert!(
        out.contains("OK: 2 editions (es, en), 2 documents, 20 sections, 58 passages"),
        "{out}"
    );
    assert!(out.contains("6 questions, 26 rules, 5 risks"), "{out}");
}

/// Words that analysis makes one are warned about, and the check passes:
/// an ignore word that reads like a synonym drops that idea from questions
/// ("saludos" reads "salud"), and a word of two groups gives only the first.
#[test]
fn check_warns_of_words_that_analysis_makes_one() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    fs::write(
        dir.path().join("es/a.md"),
        "# D\n\n## Salud\n\nEl BPO de salud hace transcripciones médicas.\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("synonyms.toml"),
        "ignore = [\"saludos\", \"hola\"]\n\
         [[group]]\nterms = [\"salud\", \"sanidad\"]\n\
         [[group]]\nterms = [\"trabajo\", \"empleo\"]\n\
         [[group]]\nterms = [\"trabajadores\", \"personal\"]\n",
    )
    .unwrap();
    let (code, out, err) = run(bot().arg("--knowledge").arg(dir.path()).arg("check"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("OK: 1 edition"), "{out}");
    assert!(
        err.contains("warning: es: the ignore word 'saludos' reads 'salud' like 'salud'"),
        "{err}"
    );
    assert!(
        err.contains("'trabajo' (group 'trabajo') and 'trabajadores' (group 'trabajadores') both read 'trabaj'"),
        "{err}"
    );
    assert!(!err.contains("hola"), "{err}");
    assert_eq!(err.matches("warning:").count(), 2, "{err}");
}

#[test]
fn a_bad_config_file_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bot.toml");
    fs::write(&config, "[answer]\nmin_confidence = 7\n").unwrap();
    let (code, _, err) = run(bot().args(["--config", config.to_str().unwrap(), "check"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("answer.min_confidence must be between 0 and 1"),
        "{err}"
    );
}

#[test]
fn chat_answers_piped_lines_and_handles_commands() {
    let input = ":help\n¿Qué es un BPO?\n\n:frobnicate\n¿Cuál es la capital de Francia?\n:quit\n¿Qué es un KPO?\n";
    let (code, out, _) = run(bot().arg("chat").write_stdin(input));
    assert_eq!(code, 0);
    assert!(out.contains(":quit"), "help is shown: {out}");
    assert!(
        out.contains("La externalización de procesos de negocio o BPO"),
        "{out}"
    );
    assert!(out.contains("fuente: bpo-kpo/que-es-un-bpo/1"), "{out}");
    assert!(out.contains("unknown command ':frobnicate'"), "{out}");
    assert!(out.contains("Sin respuesta clara"), "{out}");
    // Nothing after :quit is answered (the KPO definition may only be a
    // "see also" of the BPO one); no prompt or colour in a pipe.
    assert!(!out.contains("fuente: bpo-kpo/que-es-un-kpo/1"), "{out}");
    assert!(!out.contains("> ") && !out.contains('\x1b'), "{out}");
}

#[test]
fn chat_reports_a_too_long_line_and_goes_on() {
    let input = format!("{}\ntipos de kpo\n", "x".repeat(600));
    let (code, out, _) = run(bot().arg("chat").write_stdin(input));
    assert_eq!(code, 0);
    assert!(
        out.contains("the question is too long: 600 characters, the limit is 500"),
        "{out}"
    );
    assert!(out.contains("bpo-kpo/tipos-de-kpo/1"), "{out}");
}

#[test]
fn serve_without_a_token_and_without_a_terminal_exits_1() {
    let (code, _, err) = run(bot().write_stdin(""));
    assert_eq!(code, 1);
    assert!(err.contains("DISCORD_TOKEN"), "{err}");
}

#[test]
fn the_token_is_never_printed() {
    // A closed port on loopback: the bot tries to connect, fails, and says so.
    let (code, out, err) = run(bot()
        .env("DISCORD_TOKEN", "secret.token.value")
        .env("DISCORD_API_BASE", "http://127.0.0.1:9")
        .env("RUST_LOG", "trace")
        .write_stdin(""));
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot reach the Discord API at http://127.0.0.1:9"),
        "{err}"
    );
    assert!(!out.contains("secret.token.value") && !err.contains("secret.token.value"));
}

#[test]
fn recommend_prints_verdict_reasons_and_risks() {
    let (code, out, _) = run(bot().args(["recommend", "work=legal", "complexity=high"]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Recomendación: KPO  (confianza 1.00)"),
        "{out}"
    );
    assert!(out.contains("[bpo-kpo/tipos-de-kpo/1]"), "{out}");
    assert!(
        out.contains("Riesgos:") && out.contains("[bpo-kpo/desafios-de-kpo/1]"),
        "{out}"
    );
    let (code, out, _) = run(bot().args([
        "recommend",
        "--lang",
        "en",
        "work=finance",
        "complexity=high",
    ]));
    assert_eq!(code, 0);
    assert!(out.starts_with("Recommendation: hybrid"), "{out}");
    assert!(out.contains("Risks:"), "{out}");
}

#[test]
fn recommend_json_has_the_contract_shape() {
    let (code, out, _) = run(bot().args(["recommend", "--json", "work=call-center", "goal=cost"]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with(r#"{"verdict":"bpo","confidence":"#),
        "{out}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["confidence", "reasons", "risks", "scores", "verdict"]
    );
    assert_eq!(v["scores"]["bpo"], 5.0);
    assert_eq!(v["scores"]["kpo"], 0.5);
    let reason = v["reasons"][0].as_object().unwrap();
    let mut keys: Vec<&str> = reason.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["favors", "source", "text", "weight"]);
    assert_eq!(reason["favors"], "bpo");
    let risk = v["risks"][0].as_object().unwrap();
    let mut keys: Vec<&str> = risk.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["source", "text"]);
}

#[test]
fn recommend_usage_errors_say_what_is_valid() {
    let cases: [(&[&str], &str); 4] = [
        (&[], "work (call-center, data-entry"),
        (
            &["work=astrology"],
            "'astrology' is not a value of 'work'; its values are: call-center",
        ),
        (
            &["colour=blue"],
            "the questions are: work, complexity, volume, expertise, judgment, goal",
        ),
        (
            &["complexity"],
            "'complexity' needs a value, in the form KEY=VALUE (for example complexity=high)",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = run(bot().arg("recommend").args(args));
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn check_reports_a_broken_rules_file_precisely() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    fs::copy(root.join("es/bpo-kpo.md"), dir.path().join("es/bpo-kpo.md")).unwrap();
    let rules = fs::read_to_string(root.join("rules.toml")).unwrap();
    let line = rules
        .lines()
        .position(|l| l.contains("weight = 3.0"))
        .unwrap()
        + 1;
    fs::write(
        dir.path().join("rules.toml"),
        rules.replacen("weight = 3.0", "weight = -1", 1),
    )
    .unwrap();
    let (code, _, err) = run(bot().arg("--knowledge").arg(dir.path()).arg("check"));
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "rules.toml:{line}: rule 'work-call-center': weight must be a number above 0 and at most 1000, not -1"
        )),
        "{err}"
    );
}

#[test]
fn chat_recommends_too() {
    let input = ":recommend work=data-entry volume=high\n:recommend work=astrology\n";
    let (code, out, _) = run(bot().arg("chat").write_stdin(input));
    assert_eq!(code, 0);
    assert!(out.contains("Recomendación: BPO"), "{out}");
    assert!(
        out.contains("'astrology' is not a value of 'work'"),
        "{out}"
    );
}

#[test]
fn check_against_shows_what_a_reload_would_report() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    fs::create_dir_all(dir.path().join("en")).unwrap();
    for f in ["rules.toml", "synonyms.toml"] {
        fs::copy(root.join(f), dir.path().join(f)).unwrap();
    }
    // The new section in both editions: they must line up.
    for (lang, text) in [("es", "Proveedores cercanos."), ("en", "Nearby providers.")] {
        let md = fs::read_to_string(root.join(lang).join("bpo-kpo.md")).unwrap();
        fs::write(
            dir.path().join(lang).join("bpo-kpo.md"),
            format!("{md}\n## Nearshoring {{#nearshoring}}\n\n{text}\n"),
        )
        .unwrap();
    }
    let (code, out, _) =
        run(bot()
            .arg("--knowledge")
            .arg(dir.path())
            .args(["check", "--against", "knowledge"]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("a reload from knowledge would report:"),
        "{out}"
    );
    assert!(out.contains("58 → 60 passages, 20 → 22 sections"), "{out}");
    assert!(
        out.contains(
            "added: en:bpo-kpo/nearshoring (Nearshoring); es:bpo-kpo/nearshoring (Nearshoring)"
        ),
        "{out}"
    );
}

/// `ask --explain` shows the question's ideas, the features of the best
/// passage and the probability they give, beside the threshold.
#[test]
fn ask_explain_shows_features_and_probability() {
    let (code, out, _) = run(bot().args([
        "ask",
        "--explain",
        "por que renuncia tanta gente en los call centers",
    ]));
    assert_eq!(code, 0);
    for name in [
        "feature coverage: ",
        "feature question_match: ",
        "feature margin: ",
        "feature unknown: ",
        "feature on_topic: ",
        "feature names_section: ",
    ] {
        assert!(out.contains(name), "{name} missing in {out}");
    }
    let line = out
        .lines()
        .find(|l| l.starts_with("probability "))
        .unwrap_or_else(|| panic!("{out}"));
    let p: f32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!((0.0..=1.0).contains(&p), "{line}");
    assert!(line.contains("answered at"), "{line}");
    assert!(out.contains("bpo-kpo/desafios-de-bpo/1"), "{out}");
}

/// When the other edition's ranking is kept ("nearshoring" is a word only
/// the English synonyms know), `--explain` shows that edition's concepts:
/// the ones its features were computed from.
#[test]
fn ask_explain_shows_the_concepts_of_the_edition_that_answered() {
    let (code, out, _) = run(bot().args(["ask", "--explain", "¿Qué es el nearshoring?"]));
    assert_eq!(code, 0);
    let unknown: f32 = out
        .lines()
        .find_map(|l| l.strip_prefix("feature unknown: "))
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    let concepts: Vec<&str> = out.lines().filter(|l| l.starts_with("concept ")).collect();
    assert!(!concepts.is_empty(), "{out}");
    assert_eq!(
        concepts.iter().any(|c| c.contains("(unknown)")),
        unknown > 0.0,
        "{out}"
    );
}

/// A line that is not UTF-8 gets a message; the lines after it are answered.
#[test]
fn chat_reports_a_line_that_is_not_utf8_and_goes_on() {
    let out = bot()
        .arg("chat")
        .write_stdin(&b"kpo\nqu\xe9 es un kpo\nbpo\n"[..])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("fuente: bpo-kpo/que-es-un-kpo/1"), "{out}");
    assert!(
        out.contains("line 2 is not UTF-8 text (byte 0xE9 at position 3)"),
        "{out}"
    );
    assert!(out.contains("fuente: bpo-kpo/que-es-un-bpo/1"), "{out}");
}

/// A line far over the limit is skipped as it streams by, never held whole:
/// the console's memory stays well under the line's size.
#[cfg(target_os = "linux")]
#[test]
fn chat_skips_a_huge_line_without_holding_it() {
    use console::Console;
    use std::io::{BufRead, BufReader, Write};
    use std::path::Path;

    const HUGE: usize = 256 << 20;
    let mut cmd = console::command(Path::new("knowledge"), None);
    cmd.current_dir(files::workdir());
    let Console { mut child, .. } = Console::spawn(cmd);
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..HUGE / chunk.len() {
            stdin.write_all(&chunk).unwrap();
        }
        stdin.write_all(b"\nbpo\n").unwrap();
        stdin
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut replies = String::new();
    while !replies.contains("fuente: ") {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{replies}");
        replies.push_str(&line);
    }
    // Still running (stdin open): its peak memory so far.
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let peak_kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    drop(writer.join().unwrap());
    assert!(child.wait().unwrap().success());
    assert!(
        replies.contains(&format!(
            "line 1 is too long ({HUGE} bytes), so it was skipped; a question may have at most 500 characters"
        )),
        "{replies}"
    );
    assert!(
        replies.contains("fuente: bpo-kpo/que-es-un-bpo/1"),
        "{replies}"
    );
    assert!(
        peak_kb * 1024 < HUGE / 2,
        "peak {peak_kb} kB for a line of {HUGE} bytes"
    );
}

/// Terminal control sequences in a key are shown escaped, never sent raw.
#[test]
fn recommend_echoes_escape_sequences_escaped() {
    let out = bot()
        .args(["recommend", "\u{1b}]0;PWNED\u{7}=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let all = [out.stdout, out.stderr].concat();
    assert!(!all.contains(&0x1b) && !all.contains(&0x07), "{all:?}");
    let err = String::from_utf8(all).unwrap();
    assert!(err.contains("unknown question '\\e]0;PWNED\\x07'"), "{err}");

    let (code, _, err) = run(bot().args(["recommend", "work=\u{9b}2J\u{202e}x"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("'\\u{9b}2J\\u{202e}x' is not a value of 'work'"),
        "{err}"
    );
}

/// A 100 KB key is echoed cut, not whole.
#[test]
fn recommend_cuts_a_long_bad_key() {
    let key = "k".repeat(100_000);
    let (code, _, err) = run(bot().args(["recommend", &format!("{key}=1")]));
    assert_eq!(code, 2);
    assert!(err.len() < 1_000, "{} bytes echoed", err.len());
    assert!(
        err.contains(&format!("unknown question '{}…'", &key[..80])),
        "{err}"
    );
}

/// The console's unknown commands and `:recommend` errors are escaped too.
#[test]
fn chat_echoes_escape_sequences_escaped() {
    let input =
        ":frob\u{1b}[2J\u{7}\n:recommend \u{1b}]0;PWNED\u{7}=1\n:recommend work=\u{1b}[31mlegal\n";
    let out = bot().arg("chat").write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("unknown command ':frob\\e[2J\\x07'"), "{out}");
    assert!(out.contains("unknown question '\\e]0;PWNED\\x07'"), "{out}");
    assert!(
        out.contains("'\\e[31mlegal' is not a value of 'work'"),
        "{out}"
    );
}

/// Two `ask` runs, two processes, one PostgreSQL database: `insights`
/// (a third process) counts both questions.
#[test]
fn ask_records_in_postgres_and_insights_counts_every_process() {
    let Some(db) = pg::TestDb::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bot.toml");
    fs::write(&config, format!("[store]\nurl = {:?}\n", db.url)).unwrap();
    let config = config.to_str().unwrap();
    for question in ["¿Qué es un KPO?", "capital de Francia"] {
        let (code, _, err) = run(bot().args(["--config", config, "ask", question]));
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = run(bot().args(["--config", config, "insights", "--json"]));
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["asked"], 2, "{out}");
    assert_eq!(json["answered"], 1, "{out}");
    assert_eq!(
        json["unanswered"][0]["example"], "capital de Francia",
        "{out}"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM questions WHERE surface = 'cli'"),
        2
    );
}
