//! Language detection on short and long questions, mixed ones included.
//! Prints the accuracy (`--nocapture`) and holds the bar.

use std::path::Path;

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
