//! Runs labelled question sets kept anywhere (a blind set outside the
//! project, say) and prints the figures the golden test prints.
//!
//! ```sh
//! cargo run --release --example evaluate -- blind.es.toml blind.en.toml
//! cargo run --release --example evaluate -- --misses blind.es.toml
//! cargo run --release --example evaluate -- --knowledge other/ set.toml
//! cargo run --release --example evaluate -- --min-confidence 0.3 set.toml
//! ```
//!
//! A set is the format of `tests/golden/*.toml`: `[[question]]` with `q` and
//! `expect` (the passage ids that are a right first answer), `[[unanswerable]]`
//! and `[[offtopic]]` with `q`; `split` is optional, and each split present
//! gets its own line.

use std::path::PathBuf;
use std::process::ExitCode;

use outsourcing_bot::answer::AnswerOptions;
use outsourcing_bot::brain::Brain;
use outsourcing_bot::eval::{self, Metrics, Split};

fn main() -> ExitCode {
    let mut knowledge = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let mut misses = false;
    let mut min_confidence = None;
    let mut sets = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--misses" => misses = true,
            "--min-confidence" => match args.next().and_then(|v| v.parse::<f32>().ok()) {
                Some(v) if (0.0..=1.0).contains(&v) => min_confidence = Some(v),
                _ => {
                    eprintln!("error: --min-confidence needs a number from 0 to 1");
                    return ExitCode::from(2);
                }
            },
            "--knowledge" => match args.next() {
                Some(dir) => knowledge = dir.into(),
                None => {
                    eprintln!("error: --knowledge needs a folder");
                    return ExitCode::from(2);
                }
            },
            _ if arg.starts_with("--") => {
                eprintln!(
                    "error: unknown option {arg}; options: --misses, --knowledge DIR, --min-confidence X"
                );
                return ExitCode::from(2);
            }
            _ => sets.push(PathBuf::from(arg)),
        }
    }
    if sets.is_empty() {
        eprintln!("usage: evaluate [--misses] [--knowledge DIR] [--min-confidence X] SET.toml...");
        return ExitCode::from(2);
    }
    let brain = match Brain::load(&knowledge) {
        Ok(brain) => brain,
        Err(problems) => {
            eprintln!("error: {problems}");
            return ExitCode::FAILURE;
        }
    };
    for set in &sets {
        let items = match eval::load(set) {
            Ok(items) => items,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut opts = AnswerOptions::default();
        if let Some(v) = min_confidence {
            opts.min_confidence = v;
        }
        let outcomes = eval::run(&brain, &items, &opts);
        println!("{}: {}", set.display(), Metrics::of(&outcomes));
        for (split, name) in [(Split::Dev, "dev"), (Split::Test, "test")] {
            let part: Vec<_> = outcomes
                .iter()
                .filter(|o| o.item.split == Some(split))
                .collect();
            if !part.is_empty() && part.len() < outcomes.len() {
                println!("  {name}: {}", Metrics::of(part));
            }
        }
        if misses {
            for line in eval::misses(&outcomes) {
                println!("{line}");
            }
        }
    }
    ExitCode::SUCCESS
}
