//! Language detection on short and long questions, mixed ones included.
//! Prints the accuracy (`--nocapture`) and holds the bar.

use std::path::Path;

use outsourcing_bot::brain::Brain;
use outsourcing_bot::lang::{detect, Lang};
use serde::Deserialize;

#[derive(Deserialize)]
struct Data {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    lang: Lang,
}

#[test]
fn detection_reaches_the_bar() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/detect.toml");
    let data: Data = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(data.case.len() >= 60);
    let wrong: Vec<String> = data
        .case
        .iter()
        .filter(|c| detect(&c.text) != c.lang)
        .map(|c| {
            format!(
                "  {:?}: expected {}, got {}",
                c.text,
                c.lang,
                detect(&c.text)
            )
        })
        .collect();
    let right = data.case.len() - wrong.len();
    println!(
        "language detection: {right}/{} ({:.1}%)",
        data.case.len(),
        100.0 * right as f64 / data.case.len() as f64
    );
    for w in &wrong {
        println!("{w}");
    }
    assert!(
        right as f64 >= 0.95 * data.case.len() as f64,
        "{}",
        wrong.join("\n")
    );
}

/// Text that grammar leaves undecided is in the language of the edition
/// that uses its words; grammar, when it speaks, still decides.
#[test]
fn the_knowledge_decides_what_grammar_leaves_open() {
    let brain = Brain::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")).unwrap();
    for (text, lang) in [
        ("kpo full form", Lang::En),
        ("BPO meaning", Lang::En),
        ("engineering bpo", Lang::En),
        ("focus on core business", Lang::En),
        ("bpo attrition", Lang::En),
        ("bpo significado", Lang::Es),
        ("ingeniería bpo", Lang::Es),
        ("desventajas kpo", Lang::Es),
        // Nothing but acronyms: the documented default.
        ("kpo vs bpo", Lang::Es),
        // Grammar first: Spanish function words, English loanwords.
        ("¿qué es el outsourcing de back office?", Lang::Es),
    ] {
        assert_eq!(brain.detect(text), lang, "{text:?}");
    }
    // Grammar alone leaves the first five to the default, Spanish.
    assert_eq!(detect("kpo full form"), Lang::Es);

    // Over the labelled cases it is never worse than grammar alone.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/detect.toml");
    let data: Data = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let right =
        |f: &dyn Fn(&str) -> Lang| data.case.iter().filter(|c| f(&c.text) == c.lang).count();
    let (alone, with_knowledge) = (right(&detect), right(&|t| brain.detect(t)));
    println!(
        "language detection with the knowledge: {with_knowledge}/{}",
        data.case.len()
    );
    assert!(with_knowledge >= alone, "{with_knowledge} < {alone}");
}
