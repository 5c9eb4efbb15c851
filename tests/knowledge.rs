//! Loading a knowledge folder: the bundled one is whole, and each kind of
//! malformed file is reported with its `file:line`, all problems at once.

use std::fs;
use std::path::{Path, PathBuf};

use outsourcing_bot::brain::Brain;
use outsourcing_bot::knowledge::{self, Problem};
use outsourcing_bot::lang::Lang;

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// A knowledge folder in a temp dir with the given files.
fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn problems(files: &[(&str, &[u8])]) -> Vec<Problem> {
    let dir = folder(files);
    knowledge::load(dir.path()).unwrap_err().0
}

/// `(file name, line, message fragment)` of each problem, for compact asserts.
fn summary(problems: &[Problem]) -> Vec<(String, usize, String)> {
    problems
        .iter()
        .map(|p| {
            let name = p.file.file_name().unwrap().to_string_lossy().into_owned();
            (name, p.line, p.message.clone())
        })
        .collect()
}

fn has(problems: &[Problem], file: &str, line: usize, fragment: &str) -> bool {
    summary(problems)
        .iter()
        .any(|(f, l, m)| f == file && *l == line && m.contains(fragment))
}

const GOOD: &[u8] = b"# Doc\n\n## Uno\n\nTexto.\n";

#[test]
fn the_bundled_article_keeps_its_sections_and_ids() {
    let k = knowledge::load(&bundled()).unwrap();
    let doc = &k.editions[&Lang::Es].documents[0];
    let slugs: Vec<&str> = doc.sections.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "introduccion",
            "que-es-un-bpo",
            "tipos-de-bpo",
            "beneficios-de-bpo",
            "desafios-de-bpo",
            "que-es-un-kpo",
            "tipos-de-kpo",
            "beneficios-de-kpo",
            "desafios-de-kpo",
            "diferencias-bpo-kpo"
        ]
    );
    let kpo = doc
        .sections
        .iter()
        .find(|s| s.slug == "que-es-un-kpo")
        .unwrap();
    assert_eq!(kpo.passages[0].id, "bpo-kpo/que-es-un-kpo/1");
    assert!(kpo.passages[0]
        .text
        .starts_with("La externalización de procesos de conocimiento"));
    // The KPO areas are a short list: one passage with its lead-in.
    let areas = doc
        .sections
        .iter()
        .find(|s| s.slug == "tipos-de-kpo")
        .unwrap();
    assert_eq!(areas.passages.len(), 1);
    assert!(areas.passages[0].text.contains("- Diseño Creativo"));
    // "Label: explanation" items are passages of their own, after an overview.
    let types = doc
        .sections
        .iter()
        .find(|s| s.slug == "tipos-de-bpo")
        .unwrap();
    assert_eq!(types.passages.len(), 6);
    assert!(types.passages[2]
        .text
        .starts_with("Procesamiento de entrada de datos:"));
}

#[test]
fn every_sentence_of_the_seed_article_is_kept() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed-material/bpo-kpo.es.txt");
    let Ok(seed) = fs::read_to_string(seed) else {
        return; // shared/ is beside the checkout on our machines and in CI
    };
    let md = fs::read_to_string(bundled().join("es/bpo-kpo.md")).unwrap();
    for line in seed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(md.contains(line), "missing from the Markdown: {line}");
    }
}

#[test]
fn a_list_before_any_section_is_reported() {
    let p = problems(&[("es/a.md", b"# T\n- suelto\n\n## S\n\nTexto.\n")]);
    assert!(has(&p, "a.md", 2, "list before any section"), "{p:?}");
}

#[test]
fn an_empty_section_is_reported_at_its_heading() {
    let p = problems(&[("es/a.md", b"# T\n\n## Llena\n\nTexto.\n\n## Vacia\n\n")]);
    assert!(has(&p, "a.md", 7, "section 'Vacia' is empty"), "{p:?}");
}

#[test]
fn a_duplicate_slug_names_the_first_use() {
    let p = problems(&[(
        "es/a.md",
        b"# T\n\n## Tipos\n\nUno.\n\n## Tipos {#tipos}\n\nDos.\n",
    )]);
    assert!(
        has(
            &p,
            "a.md",
            7,
            "duplicate section id 'tipos' (first used at line 3)"
        ),
        "{p:?}"
    );
}

#[test]
fn non_utf8_files_name_the_bad_line() {
    let p = problems(&[("es/a.md", b"# T\n\n## S\n\nbien\nmal \xff\xfe\n")]);
    assert!(has(&p, "a.md", 6, "not valid UTF-8"), "{p:?}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    // A document that cannot be read: a link to nowhere (a file without read
    // permission would do for other users, but root reads anything).
    let dir = folder(&[("es/a.md", GOOD)]);
    std::os::unix::fs::symlink(dir.path().join("gone.md"), dir.path().join("es/b.md")).unwrap();
    let p = knowledge::load(dir.path()).unwrap_err().0;
    assert!(has(&p, "b.md", 0, "cannot read the file"), "{p:?}");
}

#[test]
fn an_unknown_language_folder_is_reported() {
    let p = problems(&[("es/a.md", GOOD), ("fr/a.md", GOOD)]);
    assert_eq!(summary(&p).len(), 1, "{p:?}");
    assert!(
        has(&p, "fr", 0, "unknown language folder 'fr' (known: es, en)"),
        "{p:?}"
    );
}

#[test]
fn all_problems_are_listed_at_once() {
    let p = problems(&[
        ("es/a.md", b"Texto sin titulo.\n## S\n" as &[u8]),
        ("es/b.md", b"# T\n### Tres\n## X\n\nok\n"),
        ("synonyms.toml", b"[[group]]\nterms = [\"solo\"]\n"),
        ("doc.md", b"# T\n"),
    ]);
    let s = summary(&p);
    assert!(has(&p, "a.md", 1, "text before any section"), "{s:?}");
    assert!(has(&p, "a.md", 2, "section 'S' is empty"), "{s:?}");
    assert!(has(&p, "a.md", 1, "no '#' title"), "{s:?}");
    assert!(
        has(&p, "b.md", 2, "only '#' (title) and '##' (section)"),
        "{s:?}"
    );
    assert!(has(&p, "synonyms.toml", 1, "at least two terms"), "{s:?}");
    assert!(has(&p, "doc.md", 0, "belong in a language folder"), "{s:?}");
    // Rendered as file:line lines.
    let text = knowledge::Problems(p).to_string();
    assert!(text.contains("a.md:1: "), "{text}");
}

#[test]
fn bad_toml_reports_its_line() {
    let p = problems(&[
        ("es/a.md", GOOD),
        ("synonyms.toml", b"ignore = [\"a\"]\n\n[[group]\n"),
    ]);
    assert!(has(&p, "synonyms.toml", 3, ""), "{p:?}");
}

#[test]
fn a_beyond_or_whole_entry_of_several_words_is_reported_at_its_line() {
    let p = problems(&[
        ("es/a.md", GOOD),
        (
            "synonyms.toml",
            b"beyond = [\n  \"historia\",\n  \"desde casa\",\n]\nwhole = [\"more competitive\"]\n",
        ),
    ]);
    assert!(
        has(&p, "synonyms.toml", 3, "one word: \"desde casa\""),
        "{p:?}"
    );
    assert!(
        has(&p, "synonyms.toml", 5, "`whole` entry must be one word"),
        "{p:?}"
    );
    assert_eq!(p.len(), 2, "{p:?}");
}

#[test]
fn a_missing_folder_names_the_path() {
    let p = knowledge::load(Path::new("/no/such/knowledge")).unwrap_err();
    assert!(
        p.to_string()
            .contains("/no/such/knowledge: the knowledge folder does not exist"),
        "{p}"
    );
}

#[test]
fn an_empty_folder_has_nothing_to_answer_from() {
    let dir = folder(&[("README.md", b"notes")]);
    let p = knowledge::load(dir.path()).unwrap_err();
    assert!(p.to_string().contains("no documents found"), "{p}");
}

#[test]
fn editor_leftovers_are_ignored() {
    let dir = folder(&[
        ("es/a.md", GOOD),
        ("es/a.md~", b"\xff junk"),
        ("es/.a.md.swp", b"\xff junk"),
        ("README.md", b"about this folder"),
    ]);
    let brain = Brain::load(dir.path()).unwrap();
    assert_eq!(brain.passage_count(), 1);
}

#[test]
fn a_knowledge_path_that_is_not_a_folder_is_reported() {
    let dir = folder(&[("knowledge", b"not a folder")]);
    let path = dir.path().join("knowledge");
    let p = knowledge::load(&path).unwrap_err();
    assert!(
        p.to_string().contains("cannot read the knowledge folder"),
        "{p}"
    );
}

/// Alternate questions attach to the passage above them (or, under a
/// heading, to the section's first passage), and never show in its text.
#[test]
fn alternate_questions_attach_to_the_passage_above() {
    let dir = folder(&[(
        "es/doc.md",
        "# Doc\n\n## Tipos {#tipos}\n? ¿Qué tipos hay?\n\nHay tipos:\n- Uno: el primero.\n? ¿Y el uno?\n  ? uno q es\n- Dos: el segundo.\n\nUn párrafo\nde dos líneas.\n? por qué dos\n\n## Áreas\nAlgunas áreas:\n- Diseño\n? hacen diseño?\n- Datos\n".as_bytes(),
    )]);
    let k = knowledge::load(dir.path()).unwrap();
    let s = &k.editions[&Lang::Es].documents[0].sections;
    let p = &s[0].passages;
    assert_eq!(p.len(), 4);
    assert_eq!(p[0].questions, ["¿Qué tipos hay?"]);
    assert_eq!(p[1].text, "Uno: el primero.");
    assert_eq!(p[1].questions, ["¿Y el uno?", "uno q es"]);
    // The list goes on after an item's questions.
    assert_eq!(p[2].text, "Dos: el segundo.");
    assert!(p[2].questions.is_empty());
    assert_eq!(p[3].text, "Un párrafo de dos líneas.");
    assert_eq!(p[3].questions, ["por qué dos"]);
    // A short list is one passage: it answers what is asked of its items.
    let areas = &s[1].passages;
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0].text, "Algunas áreas:\n- Diseño\n- Datos");
    assert_eq!(areas[0].questions, ["hacen diseño?"]);
}

#[test]
fn misplaced_empty_and_duplicate_alternate_questions_are_reported() {
    let p = problems(&[(
        "es/doc.md",
        "# Doc\n? ¿huérfana?\n\n## Uno\n\nTexto.\n?\n? ¿Qué es?\n? que es\n\n## Vacía\n? ¿nada?\n"
            .as_bytes(),
    )]);
    assert!(
        has(&p, "doc.md", 2, "alternate question before any section"),
        "{p:?}"
    );
    assert!(has(&p, "doc.md", 7, "empty alternate question"), "{p:?}");
    assert!(
        has(
            &p,
            "doc.md",
            9,
            "duplicate alternate question in section 'Uno' (first at line 8)"
        ),
        "{p:?}"
    );
    assert!(has(&p, "doc.md", 11, "section 'Vacía' is empty"), "{p:?}");
    assert!(has(&p, "doc.md", 12, "no passage to attach to"), "{p:?}");
    assert_eq!(p.len(), 5, "{p:?}");
}

/// A question that shares no word with a passage's text finds it through
/// the passage's alternate question.
#[test]
fn an_alternate_question_finds_its_passage_without_shared_words() {
    use outsourcing_bot::answer::{answer, AnswerOptions, Question};
    let doc = "# Doc\n\n## Retos {#retos}\n\nLa tasa de desgaste es alta.\n? ¿Por qué renuncia tanta gente?\n\n## Costos {#costos}\n\nLos costos bajan mucho con la escala.\n";
    let without = folder(&[(
        "es/doc.md",
        doc.replace("? ¿Por qué renuncia tanta gente?\n", "")
            .as_bytes(),
    )]);
    let with = folder(&[("es/doc.md", doc.as_bytes())]);
    let q = Question::new("renuncia la gente", 500).unwrap();
    let opts = AnswerOptions {
        lang: Some(Lang::Es),
        ..AnswerOptions::default()
    };
    let a = answer(&Brain::load(without.path()).unwrap(), &q, &opts);
    assert!(a.passages.is_empty() || !a.answered, "{a:?}");
    let a = answer(&Brain::load(with.path()).unwrap(), &q, &opts);
    assert_eq!(a.passages[0].id, "doc/retos/1");
    assert_eq!(a.passages[0].text, "La tasa de desgaste es alta.");
    assert!(a.features.question_match > 0.5, "{:?}", a.features);
}

/// Every passage of the bundled knowledge carries alternate questions, in
/// both editions.
#[test]
fn every_bundled_passage_has_alternate_questions() {
    let k = knowledge::load(&bundled()).unwrap();
    for (lang, edition) in &k.editions {
        for p in edition.passages() {
            assert!(
                p.passage.questions.len() >= 5,
                "{lang} {} has {} alternate questions",
                p.passage.id,
                p.passage.questions.len()
            );
        }
    }
}

// ------------------------------------------------------------ edition parity

/// The bundled editions with `edit` applied to the English one.
fn bundled_with_english(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let es = fs::read(bundled().join("es/bpo-kpo.md")).unwrap();
    let en = fs::read_to_string(bundled().join("en/bpo-kpo.md")).unwrap();
    folder(&[
        ("es/bpo-kpo.md", &es),
        ("en/bpo-kpo.md", edit(&en).as_bytes()),
    ])
}

fn line_in(file: &Path, needle: &str) -> usize {
    fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn a_section_deleted_from_one_edition_is_reported() {
    let dir = bundled_with_english(|en| {
        let start = en.find("## What is a KPO?").unwrap();
        let end = en.find("## Types of KPOs").unwrap();
        format!("{}{}", &en[..start], &en[end..])
    });
    let p = knowledge::load(dir.path()).unwrap_err().0;
    let line = line_in(&bundled().join("es/bpo-kpo.md"), "## ¿Qué es un KPO?");
    let want = format!(
        "section id 'que-es-un-kpo' is missing from {}",
        dir.path().join("en/bpo-kpo.md").display()
    );
    assert!(has(&p, "bpo-kpo.md", line, &want), "{p:?}");
    assert_eq!(p.len(), 1, "{p:?}");
}

#[test]
fn a_removed_anchor_is_reported_in_both_editions() {
    let dir = bundled_with_english(|en| {
        en.replace("## Types of KPOs {#tipos-de-kpo}", "## Types of KPOs")
    });
    let p = knowledge::load(dir.path()).unwrap_err().0;
    let es_line = line_in(&bundled().join("es/bpo-kpo.md"), "{#tipos-de-kpo}");
    let en_line = line_in(&bundled().join("en/bpo-kpo.md"), "{#tipos-de-kpo}");
    let s = summary(&p);
    assert!(
        p.iter().any(|q| q.file.ends_with("es/bpo-kpo.md")
            && q.line == es_line
            && q.message
                .starts_with("section id 'tipos-de-kpo' is missing from")),
        "{s:?}"
    );
    assert!(
        p.iter().any(|q| q.file.ends_with("en/bpo-kpo.md")
            && q.line == en_line
            && q.message
                .starts_with("section id 'types-of-kpos' is missing from")),
        "{s:?}"
    );
    assert_eq!(p.len(), 2, "{s:?}");
}

#[test]
fn a_passage_missing_from_one_edition_is_reported() {
    let p = problems(&[
        ("es/a.md", b"# T\n\n## S {#s}\n\nUno.\n\nDos.\n" as &[u8]),
        ("en/a.md", b"# T\n\n## S {#s}\n\nOne.\n"),
    ]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].file.ends_with("es/a.md") && p[0].line == 7, "{p:?}");
    assert!(
        p[0].message.starts_with("passage 'a/s/2' is missing from")
            && p[0]
                .message
                .contains("(its section there, at line 3, has 1 passage)"),
        "{p:?}"
    );
}

#[test]
fn a_document_missing_from_an_edition_is_reported() {
    let p = problems(&[("es/a.md", GOOD), ("es/b.md", GOOD), ("en/a.md", GOOD)]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].file.ends_with("es/b.md") && p[0].line == 1, "{p:?}");
    assert!(
        p[0].message
            .starts_with("the en edition has no 'b' document: add")
            && p[0].message.contains("en/b.md"),
        "{p:?}"
    );
    // An edition folder left empty misses every document.
    let dir = folder(&[("es/a.md", GOOD)]);
    fs::create_dir(dir.path().join("en")).unwrap();
    let p = knowledge::load(dir.path()).unwrap_err().0;
    assert!(
        has(&p, "a.md", 1, "the en edition has no 'a' document"),
        "{p:?}"
    );
    // One edition alone has nothing to line up with.
    knowledge::load(folder(&[("es/a.md", GOOD)]).path()).unwrap();
}

// ------------------------------------------------- content that is not read

#[cfg(unix)]
#[test]
fn content_that_would_be_skipped_is_reported() {
    let dir = folder(&[
        ("es/a.md", GOOD),
        ("es/bpo-kpo.md/x.md", GOOD),
        ("es/sub/x.md", GOOD),
        ("es/X.MD", GOOD),
        ("es/notes.txt", b"not knowledge, and fine"),
        ("synonyms.toml/x", b""),
        ("Rules.toml", b""),
        ("B.Md", GOOD),
    ]);
    let root = dir.path();
    std::os::unix::fs::symlink("loop.md", root.join("es/loop.md")).unwrap();
    std::os::unix::fs::symlink("en", root.join("en")).unwrap();
    let p = knowledge::load(root).unwrap_err().0;
    let s = summary(&p);
    let at = |name: &str, fragment: &str| {
        assert!(has(&p, name, 0, fragment), "{name}: {fragment}: {s:?}");
    };
    at("bpo-kpo.md", "a folder named like a document");
    at("sub", "folders inside a language folder are not read");
    at(
        "X.MD",
        "a document's extension is '.md', in lowercase (rename it to x.md)",
    );
    at("loop.md", "a loop of symbolic links");
    at("en", "a loop of symbolic links");
    at("synonyms.toml", "is a folder: synonyms.toml must be a file");
    at(
        "Rules.toml",
        "the file must be named rules.toml, in lowercase",
    );
    at("B.Md", "documents belong in a language folder");
    assert!(
        !p.iter().any(|q| q.message.contains("unknown language")),
        "{s:?}"
    );
    assert_eq!(p.len(), 8, "{s:?}");
}

/// Author comments never reach readers, wherever they stand, and everything
/// around them is kept at its own line.
#[test]
fn comments_are_removed_wherever_they_stand_and_the_rest_is_kept() {
    let dir = folder(&[(
        "es/doc.md",
        "# Doc <!-- título provisional -->\n\
         \n\
         ## Uno <!-- revisar --> {#uno}\n\
         \n\
         Antes <!-- una --> en medio <!-- dos -->después.\n\
         \n\
         Empieza <!-- una nota\n\
         de varias líneas --> y sigue.\n\
         ? ¿qué sigue? <!-- pregunta de prueba -->\n\
         \n\
         <!-- nota entera -->\n\
         - Etiqueta: texto<!--x-->final.\n\
         - <!-- a --><!-- b -->Otra: más texto.\n\
         <!--\n\
         bloque entero\n\
         -->\n\
         \n\
         Último párrafo.\n"
            .as_bytes(),
    )]);
    let k = knowledge::load(dir.path()).unwrap();
    let doc = &k.editions[&Lang::Es].documents[0];
    assert_eq!(doc.title, "Doc");
    let section = &doc.sections[0];
    assert_eq!(
        (section.slug.as_str(), section.title.as_str()),
        ("uno", "Uno")
    );
    let shown: Vec<(&str, usize)> = section
        .passages
        .iter()
        .map(|p| (p.text.as_str(), p.line))
        .collect();
    assert_eq!(
        shown,
        [
            ("Antes en medio después.", 5),
            // Text after the `-->` that closes a comment is kept.
            ("Empieza y sigue.", 7),
            ("Etiqueta: textofinal.", 12),
            ("Otra: más texto.", 13),
            ("Último párrafo.", 18),
        ]
    );
    assert_eq!(section.passages[1].questions, ["¿qué sigue?"]);
    for p in &section.passages {
        assert!(!p.text.contains("<!--") && !p.text.contains("-->"), "{p:?}");
        assert!(!p.search.contains("nota"), "{p:?}");
    }
}

#[test]
fn an_unclosed_comment_is_reported_at_its_line() {
    let p = problems(&[(
        "es/doc.md",
        b"# Doc\n\n## Uno\n\nTexto visible. <!-- sin cerrar\n\nnada de esto\n" as &[u8],
    )]);
    assert!(
        has(&p, "doc.md", 5, "an HTML comment '<!--' is never closed"),
        "{p:?}"
    );
    // The text before the comment still counts: the section is not empty.
    assert_eq!(p.len(), 1, "{p:?}");
}

#[test]
fn a_document_without_sections_is_reported_under_its_title() {
    let p = problems(&[("es/doc.md", b"\n# Doc\n\n" as &[u8])]);
    assert!(has(&p, "doc.md", 2, "no '##' sections"), "{p:?}");
}
