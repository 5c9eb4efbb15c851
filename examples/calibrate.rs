//! Fits the confidence model (`src/confidence.rs`) on labelled questions.
//!
//! ```sh
//! cargo run --release --example calibrate            # fit and report
//! cargo run --release --example calibrate -- --write # and rewrite MODEL in src/confidence.rs
//! cargo run --release --example calibrate -- --misses # and list what it gets wrong on dev
//! cargo run --release --example calibrate -- --with SET.toml  # also fit on another labelled set
//! ```
//!
//! Training data: the `dev` split of `tests/golden/users.{es,en}.toml` and the
//! golden sets `tests/golden/{es,en}.toml` (every item). The label of a
//! question is whether its first passage is right; unanswerable and
//! off-topic questions are negatives. The model is a logistic regression
//! (Newton's method, a light L2 penalty so the fit is unique). The default
//! threshold is the lowest that keeps answered development questions (dev
//! users' and golden) at least 95% right, with `off_subject` (what a question
//! naming nothing of our subject must also reach) just above every off-topic
//! development question. The `test` split is never read here. `--with FILE`
//! (repeatable) adds every item of another labelled set, in the evaluation
//! format, to the golden ones: blind sets already read, kept outside the
//! project.
//!
//! Features depend a little on the model itself (a second edition is searched
//! only when the first gives no clear answer), so a run starts from the
//! shipped model; run it twice after a large change.

use std::path::{Path, PathBuf};

use outsourcing_bot::answer::AnswerOptions;
use outsourcing_bot::brain::Brain;
use outsourcing_bot::confidence::{Features, Model, MODEL};
use outsourcing_bot::eval::{self, Kind, Metrics, Outcome, Split};

const L2: f64 = 0.05;
const PRECISION: f64 = 0.95;
const N: usize = Features::NAMES.len() + 1;

fn main() {
    let write = std::env::args().any(|a| a == "--write");
    let show = std::env::args().any(|a| a == "--misses");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let brain = Brain::load(&root.join("knowledge")).expect("the bundled knowledge loads");
    let ask = |files: &[&str], dev_only: bool| -> Vec<Outcome> {
        let items: Vec<_> = files
            .iter()
            .flat_map(|f| {
                eval::load(&root.join("tests/golden").join(f)).unwrap_or_else(|e| panic!("{e}"))
            })
            .filter(|i| !dev_only || i.split == Some(Split::Dev))
            .collect();
        eval::run(&brain, &items, &AnswerOptions::default())
    };
    let dev = ask(&["users.es.toml", "users.en.toml"], true);
    let mut close = ask(&["es.toml", "en.toml"], false);
    let args: Vec<String> = std::env::args().collect();
    let extra: Vec<_> = args
        .windows(2)
        .filter(|w| w[0] == "--with")
        .flat_map(|w| eval::load(Path::new(&w[1])).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    close.extend(eval::run(&brain, &extra, &AnswerOptions::default()));

    let data: Vec<([f64; N], f64)> = dev
        .iter()
        .chain(&close)
        .map(|o| (row(&o.features), f64::from(u8::from(o.top_is_right()))))
        .collect();
    let beta = fit(&data);
    let model = Model {
        bias: beta[0] as f32,
        weights: std::array::from_fn(|i| beta[i + 1] as f32),
        threshold: 0.5,
        off_subject: 0.5,
    };
    // The threshold holds precision over all development questions, users'
    // and golden: on the users' alone it would refuse a sixth of the golden
    // questions, which the answer path has always served right.
    let all: Vec<Outcome> = dev.iter().chain(&close).cloned().collect();
    // Questions that name nothing of our subject must clear every off-topic
    // development question; the precision threshold is found with that rule.
    let top_off_topic = all
        .iter()
        .filter(|o| o.item.kind == Kind::OffTopic)
        .max_by(|a, b| {
            model
                .probability(&a.features)
                .total_cmp(&model.probability(&b.features))
        });
    let off_subject = top_off_topic.map_or(0.0, |o| round2(model.probability(&o.features)) + 0.01);
    if let Some(top) = top_off_topic {
        println!("off_subject set by {:?}", top.item.q);
    }
    let model = Model {
        off_subject,
        ..model
    };
    let threshold = threshold(&model, &all);
    let model = Model {
        threshold,
        off_subject: off_subject.max(threshold),
        ..model
    };

    println!(
        "fitted on {} questions ({} dev users', {} golden)",
        data.len(),
        dev.len(),
        close.len()
    );
    println!("bias {:+.3}", model.bias);
    for (name, w) in Features::NAMES.iter().zip(model.weights) {
        println!("{name:>15} {w:+.3}");
    }
    println!(
        "threshold {threshold:.2} (precision >= {PRECISION} on answered dev and golden questions)"
    );
    println!(
        "off_subject {:.2} (above every off-topic dev and golden question)",
        model.off_subject
    );
    println!(
        "first passage right: dev {}/{}, golden {}/{}",
        dev.iter().filter(|o| o.top_is_right()).count(),
        dev.iter()
            .filter(|o| matches!(o.item.kind, Kind::Answerable(_)))
            .count(),
        close.iter().filter(|o| o.top_is_right()).count(),
        close
            .iter()
            .filter(|o| matches!(o.item.kind, Kind::Answerable(_)))
            .count(),
    );
    report("dev, shipped model", &dev, &MODEL, MODEL.threshold);
    report("dev, new model", &dev, &model, threshold);
    report("golden, new model", &close, &model, threshold);
    reliability(&dev, &model);
    for t in [0.3, 0.4, 0.5, 0.6, 0.7] {
        report(&format!("dev at {t:.2}"), &dev, &model, t);
    }

    if show {
        println!(
            "dev questions whose first passage is wrong, or that are negatives, with p >= 0.3:"
        );
        for o in dev
            .iter()
            .filter(|o| !o.top_is_right() && model.probability(&o.features) >= 0.3)
        {
            println!(
                "  p={:.2} {:?} top={} {:?}",
                model.probability(&o.features),
                o.item.q,
                o.top.as_deref().unwrap_or("-"),
                o.features
            );
        }
        println!("dev questions right first but under the threshold:");
        for o in dev
            .iter()
            .filter(|o| o.top_is_right() && model.probability(&o.features) < threshold)
        {
            println!(
                "  p={:.2} {:?} {:?}",
                model.probability(&o.features),
                o.item.q,
                o.features
            );
        }
    }
    if write {
        rewrite(&root, &model);
        println!("wrote src/confidence.rs and config.example.toml");
    }
}

fn row(f: &Features) -> [f64; N] {
    let mut x = [1.0; N];
    for (slot, v) in x[1..].iter_mut().zip(f.to_array()) {
        *slot = f64::from(v);
    }
    x
}

/// L2-penalised logistic regression by Newton's method (the bias is not penalised).
fn fit(data: &[([f64; N], f64)]) -> [f64; N] {
    let mut beta = [0.0; N];
    for _ in 0..50 {
        let mut grad = [0.0; N];
        let mut hess = [[0.0; N]; N];
        for (x, y) in data {
            let z: f64 = x.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            for i in 0..N {
                grad[i] += (p - y) * x[i];
                for j in 0..N {
                    hess[i][j] += p * (1.0 - p) * x[i] * x[j];
                }
            }
        }
        for i in 1..N {
            grad[i] += L2 * beta[i];
            hess[i][i] += L2;
        }
        let step = solve(hess, grad);
        let mut moved = 0.0f64;
        for i in 0..N {
            beta[i] -= step[i];
            moved = moved.max(step[i].abs());
        }
        if moved < 1e-9 {
            break;
        }
    }
    beta
}

/// Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; N]; N], mut b: [f64; N]) -> [f64; N] {
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("rows");
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..N {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (cell, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *cell -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    x
}

/// The lowest threshold (in hundredths) at which answered questions are at
/// least `PRECISION` right.
fn threshold(model: &Model, dev: &[Outcome]) -> f32 {
    let scored: Vec<(f32, &Outcome)> = dev
        .iter()
        .map(|o| (round2(model.probability(&o.features)), o))
        .collect();
    (1..100)
        .map(|t| t as f32 / 100.0)
        .find(|&t| {
            let answered: Vec<bool> = scored
                .iter()
                .filter(|(p, o)| model.answers(&o.features, *p, t))
                .map(|(_, o)| o.top_is_right())
                .collect();
            !answered.is_empty()
                && answered.iter().filter(|&&r| r).count() as f64 / answered.len() as f64
                    >= PRECISION
        })
        .unwrap_or(0.99)
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// The metrics the answer path would give with `model` at `threshold`.
fn report(name: &str, outcomes: &[Outcome], model: &Model, threshold: f32) {
    let rescored: Vec<Outcome> = outcomes
        .iter()
        .map(|o| Outcome {
            answered: o.top.is_some()
                && model.answers(
                    &o.features,
                    round2(model.probability(&o.features)),
                    threshold,
                ),
            ..o.clone()
        })
        .collect();
    println!("{name}: {}", Metrics::of(&rescored));
}

/// Of the dev questions given a probability in each tenth, how many were right.
fn reliability(dev: &[Outcome], model: &Model) {
    println!("reliability on dev (probability bucket: right/all)");
    for b in 0..10 {
        let (lo, hi) = (b as f32 / 10.0, (b + 1) as f32 / 10.0);
        let inside: Vec<&Outcome> = dev
            .iter()
            .filter(|o| {
                let p = model.probability(&o.features);
                p >= lo && (p < hi || b == 9)
            })
            .collect();
        if inside.is_empty() {
            continue;
        }
        let right = inside.iter().filter(|o| o.top_is_right()).count();
        let negatives = inside
            .iter()
            .filter(|o| !matches!(o.item.kind, Kind::Answerable(_)))
            .count();
        println!(
            "  {lo:.1}-{hi:.1}: {right}/{} right ({negatives} unanswerable or off-topic)",
            inside.len()
        );
    }
}

/// Replaces the generated block of `src/confidence.rs`, and the default
/// threshold in `config.example.toml`.
fn rewrite(root: &Path, model: &Model) {
    let path = root.join("src/confidence.rs");
    let text = std::fs::read_to_string(&path).expect("src/confidence.rs");
    let begin = "// BEGIN GENERATED by examples/calibrate.rs\n";
    let end = "// END GENERATED";
    let (head, rest) = text.split_once(begin).expect("the BEGIN marker");
    let (_, tail) = rest.split_once(end).expect("the END marker");
    let weights: Vec<String> = model.weights.iter().map(|w| format!("{w:.4}")).collect();
    // Written as rustfmt lays it out, so `cargo fmt` leaves it alone.
    let block = format!(
        "pub const MODEL: Model = Model {{\n    bias: {:.4},\n    weights: [\n        {},\n    ],\n    threshold: {:.2},\n    off_subject: {:.2},\n}};\n",
        model.bias,
        weights.join(", "),
        model.threshold,
        model.off_subject
    );
    std::fs::write(&path, format!("{head}{begin}{block}{end}{tail}")).expect("write");
    // The example configuration documents the default threshold.
    let example = root.join("config.example.toml");
    let text = std::fs::read_to_string(&example).expect("config.example.toml");
    let text: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("min_confidence = ") {
                format!("min_confidence = {:.2}", model.threshold)
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(&example, text.join("\n") + "\n").expect("write config.example.toml");
}
