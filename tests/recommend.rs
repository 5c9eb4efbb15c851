//! /recommend: situations with the verdict the article makes of them,
//! monotonicity over every combination of answers, sources that resolve, and
//! each validation error of rules.toml with its file:line.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use outsourcing_bot::brain::Brain;
use outsourcing_bot::knowledge::{self, Rules};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::recommend::{recommend, Answers, AnswersError, Verdict};
use serde::Deserialize;

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

fn rules() -> Rules {
    knowledge::load(&bundled()).unwrap().rules.unwrap()
}

fn answers(rules: &Rules, pairs: &[(&str, &str)]) -> Answers {
    let args: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Answers::parse(rules, &args).unwrap()
}

#[derive(Deserialize)]
struct Situations {
    situation: Vec<Situation>,
}

#[derive(Deserialize)]
struct Situation {
    answers: HashMap<String, String>,
    verdict: String,
}

#[test]
fn situations_get_the_articles_verdict() {
    let rules = rules();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recommend/situations.toml");
    let data: Situations = toml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert!(data.situation.len() >= 25);
    let mut wrong = Vec::new();
    for s in &data.situation {
        let pairs: Vec<(&str, &str)> = s
            .answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let rec = recommend(&rules, &answers(&rules, &pairs), Lang::Es);
        let got = serde_json::to_value(rec.verdict).unwrap();
        if got != s.verdict.as_str() {
            wrong.push(format!(
                "{:?}: expected {}, got {got} ({:?})",
                s.answers, s.verdict, rec.scores
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Verdicts ordered from BPO to KPO.
fn rank(v: Verdict) -> i32 {
    match v {
        Verdict::Bpo => 0,
        Verdict::Hybrid => 1,
        Verdict::Kpo => 2,
    }
}

/// Over every combination of answers (each question answered with any value
/// or left out): moving one answer to a value that leans further to KPO never
/// moves the verdict toward BPO, nor the score difference; and the mirror.
#[test]
fn verdicts_are_monotone_in_every_answer() {
    let rules = rules();
    let keys: Vec<&str> = rules.keys();
    let options: Vec<Vec<Option<&str>>> = rules
        .questions
        .iter()
        .map(|q| {
            std::iter::once(None)
                .chain(q.values.iter().map(|v| Some(v.id.as_str())))
                .collect()
        })
        .collect();
    let eval = |combo: &[Option<&str>]| {
        let pairs: Vec<(&str, &str)> = keys
            .iter()
            .zip(combo)
            .filter_map(|(k, v)| v.map(|v| (*k, v)))
            .collect();
        let mut a = Answers::default();
        for (k, v) in pairs {
            a.set(&rules, k, v).unwrap();
        }
        let rec = recommend(&rules, &a, Lang::Es);
        (rec.scores.kpo - rec.scores.bpo, rank(rec.verdict))
    };
    // How far each single answer leans to KPO on its own.
    let lean = |key: usize, value: Option<&str>| {
        let mut combo = vec![None; keys.len()];
        combo[key] = value;
        eval(&combo).0
    };

    let mut combos: Vec<Vec<Option<&str>>> = vec![Vec::new()];
    for opts in &options {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                opts.iter().map(move |o| {
                    let mut c = c.clone();
                    c.push(*o);
                    c
                })
            })
            .collect();
    }
    let results: HashMap<Vec<Option<&str>>, (f32, i32)> =
        combos.iter().map(|c| (c.clone(), eval(c))).collect();
    assert_eq!(results.len(), 14 * 4 * 4 * 4 * 4 * 7);

    let sorted: Vec<Vec<(f32, Option<&str>)>> = options
        .iter()
        .enumerate()
        .map(|(k, opts)| {
            let mut s: Vec<(f32, Option<&str>)> = opts.iter().map(|&o| (lean(k, o), o)).collect();
            s.sort_by(|a, b| a.0.total_cmp(&b.0));
            s
        })
        .collect();
    let mut checked = 0;
    for combo in &combos {
        for (k, sorted) in sorted.iter().enumerate() {
            for pair in sorted.windows(2) {
                let (mut lo, mut hi) = (combo.clone(), combo.clone());
                lo[k] = pair[0].1;
                hi[k] = pair[1].1;
                let (dl, vl) = results[&lo];
                let (dh, vh) = results[&hi];
                assert!(
                    dh >= dl - 1e-4 && vh >= vl,
                    "{:?} → {:?} for '{}' moved toward BPO: {lo:?} ({dl}, {vl}) vs {hi:?} ({dh}, {vh})",
                    pair[0].1,
                    pair[1].1,
                    keys[k]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000);
}

#[test]
fn reasons_come_strongest_first_and_risks_follow_the_verdict() {
    let rules = rules();
    let rec = recommend(
        &rules,
        &answers(
            &rules,
            &[("work", "legal"), ("goal", "cost"), ("complexity", "high")],
        ),
        Lang::Es,
    );
    assert_eq!(rec.verdict, Verdict::Kpo);
    let weights: Vec<f32> = rec.reasons.iter().map(|r| r.weight).collect();
    assert!(weights.windows(2).all(|w| w[0] >= w[1]), "{weights:?}");
    // A reason against the verdict is shown too.
    assert!(rec
        .reasons
        .iter()
        .any(|r| r.favors == outsourcing_bot::knowledge::rules::Model::Bpo));
    assert!(!rec.risks.is_empty());
    assert!(rec
        .risks
        .iter()
        .all(|r| r.source == "bpo-kpo/desafios-de-kpo/1"));
    assert!((0.0..=1.0).contains(&rec.confidence));

    let hybrid = recommend(
        &rules,
        &answers(&rules, &[("work", "finance"), ("complexity", "high")]),
        Lang::En,
    );
    assert_eq!(hybrid.verdict, Verdict::Hybrid);
    let sources: Vec<&str> = hybrid.risks.iter().map(|r| r.source.as_str()).collect();
    assert!(
        sources.contains(&"bpo-kpo/desafios-de-bpo/1")
            && sources.contains(&"bpo-kpo/desafios-de-kpo/1")
    );
    // Texts follow the language asked for.
    let finance = rules.rules.iter().find(|r| r.id == "work-finance").unwrap();
    assert!(hybrid.reasons.iter().any(|r| r.text == finance.reason.en));
}

#[test]
fn confidence_is_full_when_every_reason_agrees_and_zero_when_nothing_is_known() {
    let rules = rules();
    let all_bpo = recommend(
        &rules,
        &answers(&rules, &[("work", "call-center"), ("volume", "high")]),
        Lang::Es,
    );
    assert_eq!((all_bpo.verdict, all_bpo.confidence), (Verdict::Bpo, 1.0));
    let nothing = recommend(
        &rules,
        &answers(&rules, &[("complexity", "medium")]),
        Lang::Es,
    );
    assert_eq!(
        (nothing.verdict, nothing.confidence),
        (Verdict::Hybrid, 0.0)
    );
    assert!(nothing.reasons.is_empty());
}

#[test]
fn every_source_resolves_to_a_passage() {
    let brain = Brain::load(&bundled()).unwrap();
    let rules = brain.rules().unwrap();
    for source in rules
        .rules
        .iter()
        .map(|r| &r.source)
        .chain(rules.risks.iter().map(|r| &r.source))
    {
        assert!(brain.find(Lang::Es, source).is_some(), "{source}");
    }
    // Both models have risks, from their challenges sections.
    assert!(rules
        .risks
        .iter()
        .any(|r| r.source.contains("desafios-de-bpo")));
    assert!(rules
        .risks
        .iter()
        .any(|r| r.source.contains("desafios-de-kpo")));
}

#[test]
fn the_questionnaire_matches_the_contract() {
    let rules = rules();
    let ids = |key: &str| rules.question(key).unwrap().value_ids().join(",");
    assert_eq!(
        rules.keys(),
        [
            "work",
            "complexity",
            "volume",
            "expertise",
            "judgment",
            "goal"
        ]
    );
    assert_eq!(
        ids("work"),
        "call-center,data-entry,finance,healthcare,engineering,business-research,legal,market-research,content,creative-design,data-analysis,training,education"
    );
    assert_eq!(ids("complexity"), "low,medium,high");
    assert_eq!(ids("volume"), "low,medium,high");
    assert_eq!(ids("expertise"), "basic,specialized,expert");
    assert_eq!(ids("judgment"), "rules,mixed,expert");
    assert_eq!(
        ids("goal"),
        "cost,focus,technology,talent,assets,competitiveness"
    );
    for q in &rules.questions {
        assert!(!q.label.es.is_empty() && !q.label.en.is_empty() && !q.description.en.is_empty());
    }
}

#[test]
fn bad_answers_say_what_is_valid() {
    let rules = rules();
    let no_args: [&str; 0] = [];
    assert!(matches!(
        Answers::parse(&rules, &no_args),
        Err(AnswersError::Empty { .. })
    ));
    let err = Answers::parse(&rules, &["work=astrology"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("call-center") && err.contains("education"),
        "{err}"
    );
    let err = Answers::parse(&rules, &["colour=blue"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("work, complexity, volume, expertise, judgment, goal"),
        "{err}"
    );
    let err = Answers::parse(&rules, &["complexity"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("KEY=VALUE") && err.contains("complexity="),
        "{err}"
    );
    let err = Answers::parse(&rules, &["goal=cost", "goal=focus"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("given twice"), "{err}");
}

// ---------------------------------------------------------------- validation

/// The bundled knowledge with rules.toml replaced by `edit(bundled rules)`.
fn problems_with(edit: impl Fn(&str) -> String) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    fs::copy(
        bundled().join("es/bpo-kpo.md"),
        dir.path().join("es/bpo-kpo.md"),
    )
    .unwrap();
    let original = fs::read_to_string(bundled().join("rules.toml")).unwrap();
    fs::write(dir.path().join("rules.toml"), edit(&original)).unwrap();
    knowledge::load(dir.path())
        .unwrap_err()
        .0
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}",
                p.file.file_name().unwrap().to_string_lossy(),
                p.line,
                p.message
            )
        })
        .collect()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn original() -> String {
    fs::read_to_string(bundled().join("rules.toml")).unwrap()
}

#[test]
fn an_unknown_key_in_a_rule_is_reported() {
    let line = line_of(&original(), "when = { complexity = [\"low\"] }");
    let p = problems_with(|t| {
        t.replacen(
            "when = { complexity = [\"low\"] }",
            "when = { complexty = [\"low\"] }",
            1,
        )
    });
    let want = format!(
        "rules.toml:{line}: rule 'complexity-low': unknown key 'complexty' (keys: work, complexity"
    );
    assert!(p.iter().any(|m| m.starts_with(&want)), "{p:?}");
}

#[test]
fn an_unknown_value_in_a_rule_is_reported() {
    let line = line_of(&original(), "when = { volume = [\"high\"] }");
    let p = problems_with(|t| {
        t.replace(
            "when = { volume = [\"high\"] }",
            "when = { volume = [\"huge\"] }",
        )
    });
    let want = format!("rules.toml:{line}: rule 'volume-high': unknown value 'huge' for 'volume' (values: low, medium, high)");
    assert!(p.contains(&want), "{p:?}");
}

#[test]
fn a_source_that_names_no_passage_is_reported() {
    let line = line_of(&original(), "source = \"bpo-kpo/tipos-de-bpo/6\"");
    let p = problems_with(|t| {
        t.replace(
            "source = \"bpo-kpo/tipos-de-bpo/6\"",
            "source = \"bpo-kpo/tipos-de-bpo/60\"",
        )
    });
    assert!(
        p.iter().any(|m| m.starts_with(&format!(
            "rules.toml:{line}: rule 'work-engineering' cites 'bpo-kpo/tipos-de-bpo/60'"
        ))),
        "{p:?}"
    );
}

#[test]
fn a_deleted_passage_breaks_the_rules_that_cite_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    let md = fs::read_to_string(bundled().join("es/bpo-kpo.md")).unwrap();
    let cut = md.find("## ¿Cuáles son los desafíos de KPO?").unwrap();
    let end = md
        .find("## ¿Cuáles son las principales diferencias")
        .unwrap();
    fs::write(
        dir.path().join("es/bpo-kpo.md"),
        format!("{}{}", &md[..cut], &md[end..]),
    )
    .unwrap();
    fs::copy(bundled().join("rules.toml"), dir.path().join("rules.toml")).unwrap();
    let p = knowledge::load(dir.path()).unwrap_err().0;
    let risks = p
        .iter()
        .filter(|p| p.message.contains("cites 'bpo-kpo/desafios-de-kpo/1'"))
        .count();
    assert_eq!(risks, 3, "{p:?}");
}

#[test]
fn duplicate_rule_ids_are_reported() {
    let line = line_of(&original(), "id = \"goal-focus\"");
    let p = problems_with(|t| t.replace("id = \"goal-focus\"", "id = \"goal-cost\""));
    assert!(
        p.contains(&format!(
            "rules.toml:{line}: rule id 'goal-cost' is used twice"
        )),
        "{p:?}"
    );
}

#[test]
fn a_missing_translation_is_reported() {
    let text = original();
    let old = "reason = { es = \"El BPO está impulsado por volúmenes.\", en = \"BPO is driven by volume.\" }";
    let line = line_of(&text, old);
    let p = problems_with(|t| {
        t.replace(
            old,
            "reason = { es = \"El BPO está impulsado por volúmenes.\" }",
        )
    });
    assert!(
        p.contains(&format!(
            "rules.toml:{line}: rule 'volume-high' reason has no 'en' translation"
        )),
        "{p:?}"
    );
}

#[test]
fn weights_must_be_positive_numbers() {
    let text = original();
    let first = line_of(&text, "weight = 3.0");
    let p = problems_with(|t| t.replacen("weight = 3.0", "weight = 0", 1));
    assert!(
        p.contains(&format!(
            "rules.toml:{first}: rule 'work-call-center': weight must be a positive number, not 0"
        )),
        "{p:?}"
    );
    let p = problems_with(|t| t.replacen("weight = 3.0", "weight = -2.5", 1));
    assert!(
        p.iter()
            .any(|m| m.contains("weight must be a positive number, not -2.5")),
        "{p:?}"
    );
    let p = problems_with(|t| t.replacen("weight = 3.0", "weight = \"heavy\"", 1));
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("rules.toml:{first}:"))),
        "{p:?}"
    );
}

#[test]
fn several_problems_are_listed_together() {
    let p = problems_with(|t| {
        t.replace("id = \"goal-focus\"", "id = \"goal-cost\"")
            .replace(
                "when = { volume = [\"high\"] }",
                "when = { volume = [\"huge\"] }",
            )
    });
    assert_eq!(p.len(), 2, "{p:?}");
}
