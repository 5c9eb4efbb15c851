//! Conversations: follow-ups understood after the last answer, through the
//! library (the conversation set in `tests/golden/conversations.toml`, the
//! memory's bound and expiry, follow-ups, edited knowledge) and through the
//! binaries (the `chat` console and `ask --context`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::conversation::{
    follow_ups, understand, Conversations, FollowUp, Subject, Turn,
};
use outsourcing_bot::lang::{self, Lang};
use serde::Deserialize;
use serde_json::Value;

#[path = "support/command.rs"]
mod command;
#[path = "support/files.rs"]
mod files;

use command::{bot, run};

/// The memory's lifetime in the conversation set, as configured by default.
const TTL: Duration = Duration::from_secs(600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Set {
    dialogue: Vec<Dialogue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dialogue {
    turns: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    q: String,
    /// The first passage; `None`: no clear answer.
    expect: Option<String>,
    #[serde(default)]
    rewritten: bool,
    #[serde(default = "thirty")]
    after_secs: u64,
}

fn thirty() -> u64 {
    30
}

fn brain() -> Brain {
    Brain::load(&files::bundled()).unwrap()
}

fn set() -> Set {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/conversations.toml");
    toml::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// What one turn did: how it was understood and what answered it.
struct Said {
    searched: String,
    note: Option<String>,
    first: Option<String>,
}

/// Asks `q` in conversation `key` of `memory` at `now`, as the front ends
/// do: recall, understand, answer, remember.
fn converse(brain: &Brain, memory: &Conversations, key: u64, q: &str, now: Instant) -> Said {
    let previous = memory.recall(key, now);
    let u = understand(brain, q, previous.as_ref(), lang::detect(q));
    let a = answer(
        brain,
        &Question::new(&u.question, 500).unwrap(),
        &AnswerOptions::default(),
    );
    if let Some(turn) = Turn::of(brain, &a) {
        memory.remember(key, turn, now);
    }
    Said {
        first: a.answered.then(|| a.passages[0].id.clone()),
        searched: u.question,
        note: u.note,
    }
}

#[test]
fn the_conversation_set_is_understood_and_answered() {
    let brain = brain();
    let set = set();
    let turns: usize = set.dialogue.iter().map(|d| d.turns.len()).sum();
    assert!(set.dialogue.len() >= 30, "{} dialogues", set.dialogue.len());
    assert!(set
        .dialogue
        .iter()
        .all(|d| (2..=3).contains(&d.turns.len())));
    let mut misses = Vec::new();
    let (mut rewritten, mut kept, mut expired) = (0, 0, 0);
    for (n, dialogue) in set.dialogue.iter().enumerate() {
        let memory = Conversations::new(TTL, 10);
        let mut now = Instant::now();
        for (t, step) in dialogue.turns.iter().enumerate() {
            now += Duration::from_secs(step.after_secs);
            if t > 0 && step.after_secs >= TTL.as_secs() {
                expired += 1;
            }
            let said = converse(&brain, &memory, 1, &step.q, now);
            if step.rewritten {
                rewritten += 1;
            } else if t > 0 {
                kept += 1;
            }
            let place = format!("dialogue {} turn {} {:?}", n + 1, t + 1, step.q);
            if said.note.is_some() != step.rewritten {
                misses.push(format!(
                    "{place}: rewritten {}, expected {} (searched {:?}, note {:?})",
                    said.note.is_some(),
                    step.rewritten,
                    said.searched,
                    said.note
                ));
            }
            if !step.rewritten && said.searched != step.q {
                misses.push(format!("{place}: searched {:?}", said.searched));
            }
            if said.first != step.expect {
                misses.push(format!(
                    "{place}: first {:?}, expected {:?}",
                    said.first, step.expect
                ));
            }
        }
    }
    println!(
        "conversation set: {} dialogues, {turns} turns ({rewritten} follow-ups rewritten, {kept} later turns kept as asked, {expired} after the memory expired), {} misses",
        set.dialogue.len(),
        misses.len()
    );
    assert!(expired >= 2 && rewritten >= 20 && kept >= 10);
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

/// A follow-up after the memory expired is asked alone, so it cannot use
/// the old subject: the same question a minute earlier did.
#[test]
fn an_expired_conversation_is_forgotten() {
    let brain = brain();
    let memory = Conversations::new(TTL, 10);
    let start = Instant::now();
    converse(&brain, &memory, 7, "¿qué es un KPO?", start);
    let within = converse(&brain, &memory, 7, "¿y sus desafíos?", start + TTL / 2);
    assert_eq!(within.note.as_deref(), Some("desafíos del KPO"));
    // The clock runs from the last answer: one ttl after it, gone.
    let late = start + TTL / 2 + TTL;
    assert!(memory.recall(7, late - Duration::from_secs(1)).is_some());
    let after = converse(&brain, &memory, 7, "¿y en el BPO?", late);
    assert_eq!(after.note, None);
    assert_eq!(after.searched, "¿y en el BPO?");
    assert_ne!(after.first.as_deref(), Some("bpo-kpo/desafios-de-bpo/1"));
}

fn turn(section: &str, subject: Option<Subject>) -> Turn {
    Turn {
        lang: Lang::Es,
        section: section.into(),
        subject,
    }
}

#[test]
fn the_memory_forgets_the_least_recently_used_past_its_bound() {
    let memory = Conversations::new(TTL, 2);
    let now = Instant::now();
    let a = turn("bpo-kpo/que-es-un-kpo", Some(Subject::Kpo));
    let b = turn("bpo-kpo/que-es-un-bpo", Some(Subject::Bpo));
    memory.remember(1, a.clone(), now);
    memory.remember(2, b.clone(), now);
    // Conversation 1 spoke last, so 2 is the least recently used.
    assert_eq!(memory.recall(1, now), Some(a.clone()));
    memory.remember(3, b.clone(), now);
    assert_eq!(memory.len(), 2);
    assert_eq!(memory.recall(2, now), None);
    assert_eq!(memory.recall(1, now), Some(a));
    assert_eq!(memory.recall(3, now), Some(b));
}

#[test]
fn the_memory_expires_a_ttl_after_the_last_answer() {
    let memory = Conversations::new(Duration::from_secs(10), 100);
    let start = Instant::now();
    let a = turn("bpo-kpo/que-es-un-kpo", Some(Subject::Kpo));
    let b = turn("bpo-kpo/tipos-de-kpo", Some(Subject::Kpo));
    memory.remember(1, a.clone(), start);
    assert_eq!(
        memory.recall(1, start + Duration::from_secs(9)),
        Some(a.clone())
    );
    // Recalling does not extend it; a new answer does.
    assert_eq!(memory.recall(1, start + Duration::from_secs(10)), None);
    assert_eq!(memory.len(), 0, "an expired conversation is dropped");
    memory.remember(1, a, start);
    memory.remember(1, b.clone(), start + Duration::from_secs(8));
    assert_eq!(memory.recall(1, start + Duration::from_secs(15)), Some(b));
    assert!(memory.recall(2, start).is_none());
}

#[test]
fn turns_carry_the_subject_of_the_answered_section() {
    let brain = brain();
    let ask = |q: &str| {
        let a = answer(
            &brain,
            &Question::new(q, 500).unwrap(),
            &AnswerOptions::default(),
        );
        Turn::of(&brain, &a)
    };
    let kpo = ask("¿Cuáles son los desafíos de KPO?").unwrap();
    assert_eq!(kpo, turn("bpo-kpo/desafios-de-kpo", Some(Subject::Kpo)));
    let both = ask("differences between BPO and KPO").unwrap();
    assert_eq!(both.section, "bpo-kpo/diferencias-bpo-kpo");
    assert_eq!(both.subject, None);
    assert_eq!(both.lang, Lang::En);
    assert_eq!(ask("capital de Francia"), None);
}

fn sections(follow_ups: &[FollowUp]) -> Vec<&str> {
    follow_ups.iter().map(|f| f.section.as_str()).collect()
}

#[test]
fn follow_ups_come_from_the_structure_of_the_knowledge() {
    let brain = brain();
    let kpo = turn("bpo-kpo/desafios-de-kpo", Some(Subject::Kpo));
    let en = follow_ups(&brain, &kpo, Lang::En);
    // The same aspect of the other model, the next section of this one
    // (around to its first), the comparison.
    assert_eq!(
        sections(&en),
        [
            "bpo-kpo/desafios-de-bpo",
            "bpo-kpo/que-es-un-kpo",
            "bpo-kpo/diferencias-bpo-kpo"
        ]
    );
    assert_eq!(en[0].label, "What are the challenges of BPO?");
    assert!(en.iter().all(|f| f.lang == Lang::En));
    let es = follow_ups(&brain, &kpo, Lang::Es);
    assert_eq!(sections(&es), sections(&en));
    assert_eq!(es[0].label, "¿Cuáles son los desafíos del BPO?");

    let types = turn("bpo-kpo/tipos-de-bpo", Some(Subject::Bpo));
    assert_eq!(
        sections(&follow_ups(&brain, &types, Lang::Es)),
        [
            "bpo-kpo/tipos-de-kpo",
            "bpo-kpo/beneficios-de-bpo",
            "bpo-kpo/diferencias-bpo-kpo"
        ]
    );
    // About both models: where each starts; never itself.
    let both = turn("bpo-kpo/diferencias-bpo-kpo", None);
    assert_eq!(
        sections(&follow_ups(&brain, &both, Lang::Es)),
        ["bpo-kpo/que-es-un-bpo", "bpo-kpo/que-es-un-kpo"]
    );
    let intro = turn("bpo-kpo/introduccion", None);
    assert_eq!(
        sections(&follow_ups(&brain, &intro, Lang::En)),
        [
            "bpo-kpo/que-es-un-bpo",
            "bpo-kpo/que-es-un-kpo",
            "bpo-kpo/diferencias-bpo-kpo"
        ]
    );
    // A section the knowledge no longer has (edited away) offers nothing.
    assert!(follow_ups(&brain, &turn("bpo-kpo/gone", None), Lang::Es).is_empty());
}

/// Each follow-up, asked by its label, is answered by its section.
#[test]
fn a_follow_up_answers_its_section() {
    let brain = brain();
    for lang in Lang::ALL {
        for section in [
            "bpo-kpo/desafios-de-kpo",
            "bpo-kpo/que-es-un-bpo",
            "bpo-kpo/diferencias-bpo-kpo",
        ] {
            let subject = brain
                .edition(lang)
                .outline
                .section(section)
                .unwrap()
                .subject;
            for f in follow_ups(&brain, &turn(section, subject), lang) {
                let a = answer(
                    &brain,
                    &Question::new(&f.label, 500).unwrap(),
                    &AnswerOptions::default(),
                );
                assert!(a.answered, "{}", f.label);
                assert_eq!(a.passages[0].id, format!("{}/1", f.section), "{}", f.label);
            }
        }
    }
}

/// A knowledge folder with a section the bundled one lacks: "Costos del KPO".
fn with_costs() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("knowledge");
    files::copy_bundled(
        &dir,
        &[
            "es/bpo-kpo.md",
            "en/bpo-kpo.md",
            "synonyms.toml",
            "rules.toml",
        ],
    );
    files::append(
        &dir.join("es/bpo-kpo.md"),
        "\n## Costos del KPO {#costos-kpo}\n\nUn KPO cobra más por hora que un BPO: su personal es especializado y escaso.\n",
    );
    files::append(
        &dir.join("en/bpo-kpo.md"),
        "\n## Costs of KPO {#costos-kpo}\n\nA KPO charges more per hour than a BPO: its staff is specialized and scarce.\n",
    );
    (tmp, dir)
}

/// Subjects and aspects are read from the titles, so a new section takes
/// part in conversations without any code knowing its slug.
#[test]
fn edited_knowledge_takes_part_in_conversations() {
    let (_tmp, dir) = with_costs();
    let brain = Brain::load(&dir).unwrap();
    let memory = Conversations::new(TTL, 10);
    let now = Instant::now();
    converse(&brain, &memory, 1, "¿qué es un KPO?", now);
    let costs = converse(&brain, &memory, 1, "¿y los costos?", now);
    assert_eq!(costs.note.as_deref(), Some("costos del KPO"));
    assert_eq!(costs.first.as_deref(), Some("bpo-kpo/costos-kpo/1"));
    // No BPO section has that aspect: the switch is not rewritten.
    let bpo = converse(&brain, &memory, 1, "¿y en el BPO?", now);
    assert_eq!(bpo.note, None);
    let turn = turn("bpo-kpo/costos-kpo", Some(Subject::Kpo));
    let next = follow_ups(&brain, &turn, Lang::En);
    assert_eq!(next[0].section, "bpo-kpo/que-es-un-kpo");
    assert_eq!(next[1].section, "bpo-kpo/diferencias-bpo-kpo");
}

#[test]
fn the_console_keeps_a_conversation_with_numbered_follow_ups() {
    let (code, out, err) = run(bot()
        .arg("chat")
        .write_stdin("¿qué es un KPO?\n¿y sus desafíos?\n1\nwhat about types?\n"));
    assert_eq!(code, 0, "{err}");
    let replies: Vec<&str> = out.split("\n\n").collect();
    assert!(replies[0].starts_with("¿Qué es un KPO?"), "{out}");
    assert!(!replies[0].contains("(entendí"), "{out}");
    assert!(
        replies[0].contains("Para seguir (escribe el número):\n  1. ¿Qué es un BPO?"),
        "{out}"
    );
    assert!(
        replies[1].starts_with("(entendí: desafíos del KPO)\n¿Cuáles son los desafíos de KPO?"),
        "{out}"
    );
    assert!(
        replies[1].contains("fuente: bpo-kpo/desafios-de-kpo/1"),
        "{out}"
    );
    assert!(
        replies[1].contains("  1. ¿Cuáles son los desafíos del BPO?"),
        "{out}"
    );
    // `1` answers the first follow-up, which moves the conversation to BPO.
    assert!(
        replies[2].starts_with("¿Cuáles son los desafíos del BPO?"),
        "{out}"
    );
    assert!(
        replies[2].contains("fuente: bpo-kpo/desafios-de-bpo/1"),
        "{out}"
    );
    assert!(
        replies[3].starts_with("(understood as: types of BPO)\nTypes of BPO"),
        "{out}"
    );
    assert!(
        replies[3].contains("source: bpo-kpo/tipos-de-bpo/1"),
        "{out}"
    );
}

#[test]
fn a_number_without_follow_ups_is_a_question() {
    let (code, out, _) = run(bot().arg("chat").write_stdin("1\n"));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Sin respuesta clara") || out.starts_with("No clear answer"),
        "{out}"
    );
}

fn ask_json(args: &[&str]) -> Value {
    let (code, out, err) = run(bot().arg("ask").arg("--json").args(args));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn ask_with_context_understands_a_follow_up() {
    let first = ask_json(&["¿Qué es un KPO?"]);
    let id = first["passages"][0]["id"].as_str().unwrap();
    assert_eq!(id, "bpo-kpo/que-es-un-kpo/1");
    assert!(first.get("understood").is_none());

    let next = ask_json(&["--context", id, "¿y sus desafíos?"]);
    assert_eq!(next["question"], "¿y sus desafíos?");
    assert_eq!(next["understood"], "desafíos del KPO");
    assert_eq!(next["answered"], true);
    assert_eq!(next["passages"][0]["id"], "bpo-kpo/desafios-de-kpo/1");

    let switched = ask_json(&["--context", "bpo-kpo/desafios-de-kpo/1", "and for BPO?"]);
    assert_eq!(switched["understood"], "challenges of BPO");
    assert_eq!(switched["lang"], "en");
    assert_eq!(switched["passages"][0]["id"], "bpo-kpo/desafios-de-bpo/1");

    // Stateless without --context, and a self-contained question is kept.
    let alone = ask_json(&["¿y sus desafíos?"]);
    assert!(alone.get("understood").is_none());
    let kept = ask_json(&["--context", id, "cuéntame sobre la tercerización"]);
    assert!(kept.get("understood").is_none());
    assert_eq!(kept["passages"][0]["id"], "bpo-kpo/introduccion/1");

    let (code, out, _) = run(bot().args(["ask", "--context", id, "¿y sus desafíos?"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("(entendí: desafíos del KPO)\n"), "{out}");
}

#[test]
fn ask_with_an_unknown_context_is_a_usage_error() {
    let (code, out, err) = run(bot().args([
        "ask",
        "--json",
        "--context",
        "bpo-kpo/no-such-section/1",
        "¿y sus desafíos?",
    ]));
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--context: no passage has the id 'bpo-kpo/no-such-section/1'"),
        "{err}"
    );
    assert!(out.is_empty());
}
