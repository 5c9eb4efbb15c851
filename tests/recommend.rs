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

/// A knowledge folder with the bundled Spanish edition and `edit(rules.toml)`.
fn folder_with(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("es")).unwrap();
    fs::copy(
        bundled().join("es/bpo-kpo.md"),
        dir.path().join("es/bpo-kpo.md"),
    )
    .unwrap();
    fs::write(dir.path().join("rules.toml"), edit(&original())).unwrap();
    dir
}

/// The problems of [`folder_with`]`(edit)`, as `NAME:LINE: message` (the file name alone).
fn problems_with(edit: impl Fn(&str) -> String) -> Vec<String> {
    let dir = folder_with(edit);
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
            "rules.toml:{first}: rule 'work-call-center': weight must be a number above 0 and at most 1000, not 0"
        )),
        "{p:?}"
    );
    let p = problems_with(|t| t.replacen("weight = 3.0", "weight = -2.5", 1));
    assert!(
        p.iter()
            .any(|m| m.contains("weight must be a number above 0 and at most 1000, not -2.5")),
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

// ------------------------------------------------- bounds and Discord's rules

/// Every `weight = …` line of rules.toml set to `weight`.
fn every_weight(text: &str, weight: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("weight = ") {
                format!("weight = {weight}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every combination of answers with at least one given.
fn every_combination(rules: &Rules) -> Vec<Answers> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for q in &rules.questions {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                std::iter::once(c.clone()).chain(q.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((q.key.clone(), v.id.clone()));
                    c
                }))
            })
            .collect();
    }
    combos
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(|c| {
            let mut a = Answers::default();
            for (k, v) in c {
                a.set(rules, &k, &v).unwrap();
            }
            a
        })
        .collect()
}

/// Every number of a recommendation is finite, and so none is null in JSON
/// nor NaN or inf in text.
fn assert_finite(rules: &Rules, answers: &Answers) {
    let rec = recommend(rules, answers, Lang::Es);
    let numbers = [rec.confidence, rec.scores.bpo, rec.scores.kpo];
    assert!(
        numbers.iter().all(|n| n.is_finite()) && rec.reasons.iter().all(|r| r.weight.is_finite()),
        "{answers:?}: {rec:?}"
    );
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains("null"), "{json}");
    let text = outsourcing_bot::recommend::render(&rec, Lang::Es);
    let words = text.split(|c: char| !c.is_alphanumeric());
    assert!(
        !words.into_iter().any(|w| w == "NaN" || w == "inf"),
        "{text}"
    );
}

#[test]
fn a_weight_past_the_limit_is_reported_with_the_limit() {
    let line = line_of(&original(), "weight = 3.0");
    for (weight, shown) in [
        ("1e308", "1e308"),
        ("1000.5", "1000.5"),
        ("inf", "inf"),
        ("nan", "NaN"),
    ] {
        let p = problems_with(|t| t.replacen("weight = 3.0", &format!("weight = {weight}"), 1));
        let want = format!(
            "rules.toml:{line}: rule 'work-call-center': weight must be a number above 0 and at most 1000, not {shown}"
        );
        assert!(p.contains(&want), "{weight}: {p:?}");
    }
}

#[test]
fn a_margin_past_its_limit_is_reported() {
    let line = line_of(&original(), "margin = 1.5");
    let p = problems_with(|t| t.replace("margin = 1.5", "margin = 1e300"));
    let want =
        format!("rules.toml:{line}: verdict.margin must be a number from 0 to 1000000, not 1e300");
    assert!(p.contains(&want), "{p:?}");
}

#[test]
fn weights_at_the_limit_keep_every_score_finite() {
    let dir = folder_with(|t| every_weight(t, "1000"));
    let rules = knowledge::load(dir.path()).unwrap().rules.unwrap();
    assert!(rules.rules.iter().all(|r| r.weight == 1000.0));
    let combos = every_combination(&rules);
    assert_eq!(combos.len(), 14 * 4 * 4 * 4 * 4 * 7 - 1);
    for answers in &combos {
        assert_finite(&rules, answers);
    }
    // And as the command line prints it.
    let out = assert_cmd::Command::cargo_bin("outsourcing-bot")
        .unwrap()
        .args(["recommend", "--json", "--knowledge"])
        .arg(dir.path())
        .args(["work=legal", "complexity=high"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for number in [
        &json["confidence"],
        &json["scores"]["bpo"],
        &json["scores"]["kpo"],
    ] {
        assert!(number.as_f64().is_some_and(f64::is_finite), "{json}");
    }
    assert_eq!(json["verdict"], "kpo", "{json}");
}

#[test]
fn rules_built_in_code_with_wild_weights_still_give_numbers() {
    let mut rules = rules();
    let wild = [f32::INFINITY, f32::NAN, f32::MAX, -f32::INFINITY, 1e-45];
    for (rule, weight) in rules.rules.iter_mut().zip(wild.iter().cycle()) {
        rule.weight = *weight;
    }
    for margin in [0.0, 1e-45, f32::INFINITY, f32::NAN] {
        rules.margin = margin;
        for pairs in [
            &[("work", "legal"), ("complexity", "high")][..],
            &[("work", "call-center"), ("volume", "high")],
            &[("goal", "cost")],
        ] {
            assert_finite(&rules, &answers(&rules, pairs));
        }
    }
}

#[test]
fn question_keys_and_value_ids_follow_discords_naming_rules() {
    let text = original();
    let key = line_of(&text, "key = \"work\"");
    let value = line_of(&text, "{ id = \"low\", es = \"Baja\"");
    let long = "a".repeat(33);
    for (from, to, line, want) in [
        (
            "key = \"work\"",
            "key = \"Work\"",
            key,
            "question key 'Work' must be lowercase (work)".to_string(),
        ),
        (
            "key = \"work\"",
            "key = \"kind of work\"",
            key,
            "question key 'kind of work' contains ' '".to_string(),
        ),
        (
            "key = \"work\"",
            "key = \"work=x\"",
            key,
            "question key 'work=x' contains '='".to_string(),
        ),
        (
            "key = \"work\"",
            "key = \"\"",
            key,
            "question key '' is empty".to_string(),
        ),
        (
            "{ id = \"low\", es = \"Baja\"",
            "{ id = \"Low\", es = \"Baja\"",
            value,
            "value id 'Low' of 'complexity' must be lowercase (low)".to_string(),
        ),
        (
            "{ id = \"low\", es = \"Baja\"",
            &format!("{{ id = \"{long}\", es = \"Baja\""),
            value,
            format!(
                "value id '{long}' of 'complexity' has 33 characters; Discord allows at most 32"
            ),
        ),
    ] {
        let p = problems_with(|t| t.replacen(from, to, 1));
        assert!(
            p.iter()
                .any(|m| m.starts_with(&format!("rules.toml:{line}: {want}"))),
            "{to}: {p:?}"
        );
    }
    // A key with terminal escapes is shown escaped, never raw.
    let p = problems_with(|t| t.replacen("key = \"work\"", "key = \"\\u001b]0;PWNED\\u0007\"", 1));
    let want =
        format!("rules.toml:{key}: question key '\\u{{1b}}]0;PWNED\\u{{7}}' contains '\\u{{1b}}'");
    assert!(p.iter().any(|m| m.starts_with(&want)), "{want}\n{p:?}");
    assert!(!p.iter().any(|m| m.contains('\u{1b}')), "{p:?}");
    // Letters of other scripts are fine, in lowercase.
    let dir = folder_with(|t| {
        t.replace("key = \"goal\"", "key = \"objetivo_año\"")
            .replace("goal = [", "\"objetivo_año\" = [")
    });
    let rules = knowledge::load(dir.path()).unwrap().rules.unwrap();
    assert!(rules.question("objetivo_año").is_some());
}

/// The questionnaire of rules.toml with `extra` more values for `work`.
fn with_more_work_values(text: &str, extra: usize) -> String {
    let anchor = "  { id = \"education\", es = \"Educación y aprendizaje\", en = \"Education and learning\" },\n";
    let more: String = (1..=extra)
        .map(|i| format!("  {{ id = \"extra-{i}\", es = \"Extra {i}\", en = \"Extra {i}\" }},\n"))
        .collect();
    assert!(text.contains(anchor));
    text.replace(anchor, &format!("{anchor}{more}"))
}

#[test]
fn values_past_25_are_reported_not_dropped() {
    // 13 values in the bundled questionnaire: 12 more is Discord's 25.
    let dir = folder_with(|t| with_more_work_values(t, 12));
    let rules = knowledge::load(dir.path()).unwrap().rules.unwrap();
    assert_eq!(rules.question("work").unwrap().values.len(), 25);

    let text = with_more_work_values(&original(), 14);
    let line = line_of(&text, "id = \"extra-13\"");
    let p = problems_with(|t| with_more_work_values(t, 14));
    assert_eq!(
        p,
        [format!(
            "rules.toml:{line}: value 'extra-13' is number 26 of the 27 of 'work': a question can have at most 25 (Discord's limit on an option's choices)"
        )]
    );
}

#[test]
fn questions_past_25_are_reported() {
    let more = |t: &str| {
        let questions: String = (1..=20)
            .map(|i| {
                format!(
                    "\n[[question]]\nkey = \"extra-{i}\"\nlabel = {{ es = \"E\", en = \"E\" }}\ndescription = {{ es = \"E\", en = \"E\" }}\nvalues = [{{ id = \"yes\", es = \"Sí\", en = \"Yes\" }}]\n"
                )
            })
            .collect();
        // Questions must come before the first [[rule]] table.
        t.replacen("[[rule]]", &format!("{questions}\n[[rule]]"), 1)
    };
    let line = line_of(&more(&original()), "key = \"extra-20\"");
    let p = problems_with(more);
    assert_eq!(
        p,
        [format!(
            "rules.toml:{line}: question 'extra-20' is number 26 of 26: /recommend can have at most 25 (Discord's limit on a command's options)"
        )]
    );
}

#[test]
fn a_questionnaire_past_discords_size_is_reported() {
    // Every English label and description of the questionnaire 100 long.
    let long = |t: &str| {
        let split = t.find("[[rule]]").unwrap();
        let labels = regex::Regex::new(r#"en = "[^"]*""#).unwrap();
        let questionnaire =
            labels.replace_all(&t[..split], format!("en = \"{}\"", "x".repeat(100)));
        format!("{questionnaire}{}", &t[split..])
    };
    let line = line_of(&original(), "key = \"goal\"");
    let p = problems_with(long);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with(&format!(
            "rules.toml:{line}: with question 'goal' the questionnaire passes 3868 characters ("
        )),
        "{p:?}"
    );
}
