//! Knowledge loading time on large generated folders: 40,000 synonym groups,
//! 8,000 rules, and 40,000 sections per edition file, and each at a quarter
//! of that size.
//!
//! Loading once grew with the square of the input (every group, rule and
//! section looked its line up from the top of its file, and every section
//! looked for duplicates among all the ones before it); comparing each case
//! with its quarter shows it stays linear. Each folder is generated once into a temporary directory; only
//! `knowledge::load` (read, parse, validate) is timed.

use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use outsourcing_bot::knowledge;

const SYNONYM_GROUPS: usize = 40_000;
const RULES: usize = 8_000;
const SECTIONS: usize = 40_000;

/// Answers per questionnaire key: Discord allows at most 25 choices.
const VALUES_PER_KEY: usize = 20;
const KEYS: usize = 5;

/// A document of `sections` sections, each with a paragraph, an alternate
/// question and (every tenth) an author comment, as real documents have.
fn document(title: &str, sections: usize) -> String {
    let mut text = format!("# {title}\n\n");
    for s in 1..=sections {
        let _ = write!(
            text,
            "## Sección número {s} {{#s-{s}}}\n\n\
             Un párrafo de la sección {s} sobre la externalización de procesos.\n\
             ? ¿qué dice la sección {s}?\n\n"
        );
        if s % 10 == 0 {
            let _ = write!(text, "<!-- nota de autor {s} --> \n\n");
        }
    }
    text
}

fn synonyms(groups: usize) -> String {
    let mut text = String::from("ignore = [\"dime\"]\ntopic = [\"bpo\"]\n\n");
    for g in 0..groups {
        let _ = write!(
            text,
            "[[group]]\nterms = [\"palabra{g}\", \"sinónimo {g}\", \"word{g}\"]\n\n"
        );
    }
    text
}

fn rules(rules: usize, sections: usize) -> String {
    let mut text = String::from("[verdict]\nmargin = 1.5\n\n");
    for k in 0..KEYS {
        let _ = write!(
            text,
            "[[question]]\nkey = \"key{k}\"\n\
             label = {{ es = \"Clave {k}\", en = \"Key {k}\" }}\n\
             description = {{ es = \"La clave {k}.\", en = \"The key {k}.\" }}\nvalues = [\n"
        );
        for v in 0..VALUES_PER_KEY {
            let _ = writeln!(
                text,
                "  {{ id = \"value{v}\", es = \"Valor {v}\", en = \"Value {v}\" }},"
            );
        }
        text.push_str("]\n\n");
    }
    for r in 0..rules {
        let (k, v) = (r % KEYS, (r / KEYS) % VALUES_PER_KEY);
        let favors = if r % 2 == 0 { "bpo" } else { "kpo" };
        let source = r % sections + 1;
        let _ = write!(
            text,
            "[[rule]]\nid = \"rule-{r}\"\nwhen = {{ key{k} = [\"value{v}\"] }}\n\
             favors = \"{favors}\"\nweight = 1.0\n\
             reason = {{ es = \"Motivo {r}.\", en = \"Reason {r}.\" }}\n\
             source = \"doc/s-{source}/1\"\n\n"
        );
    }
    let _ = write!(
        text,
        "[[risk]]\nmodel = \"bpo\"\ntext = {{ es = \"Un riesgo.\", en = \"A risk.\" }}\n\
         source = \"doc/s-1/1\"\n"
    );
    text
}

/// A valid knowledge folder: both editions, with the given sizes.
fn generate(dir: &Path, groups: usize, rule_count: usize, sections: usize) {
    for (lang, title) in [("es", "Documento"), ("en", "Document")] {
        fs::create_dir_all(dir.join(lang)).expect("create an edition folder");
        fs::write(dir.join(lang).join("doc.md"), document(title, sections))
            .expect("write a document");
    }
    fs::write(dir.join("synonyms.toml"), synonyms(groups)).expect("write synonyms.toml");
    if rule_count > 0 {
        fs::write(dir.join("rules.toml"), rules(rule_count, sections)).expect("write rules.toml");
    }
}

fn bench_loading(c: &mut Criterion) {
    // Each case also at a quarter of its size: linear loading takes about
    // four times as long for four times the input, quadratic sixteen.
    let cases = [
        ("synonym_groups_10k", SYNONYM_GROUPS / 4, 0, 10),
        ("synonym_groups_40k", SYNONYM_GROUPS, 0, 10),
        ("rules_2k", 10, RULES / 4, 100),
        ("rules_8k", 10, RULES, 100),
        ("sections_10k", 10, 0, SECTIONS / 4),
        ("sections_40k", 10, 0, SECTIONS),
    ];
    let mut group = c.benchmark_group("loading");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, groups, rule_count, sections) in cases {
        let dir = tempfile::tempdir().expect("a temporary folder");
        generate(dir.path(), groups, rule_count, sections);
        // A folder that fails to load would time the error path instead.
        let loaded = knowledge::load(dir.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(loaded.synonyms.groups.len(), groups, "{name}");
        assert_eq!(
            loaded.rules.as_ref().map_or(0, |r| r.rules.len()),
            rule_count,
            "{name}"
        );
        group.bench_function(name, |b| {
            b.iter(|| knowledge::load(black_box(dir.path())).expect("loads"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_loading);
criterion_main!(benches);
