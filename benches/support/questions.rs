//! The questions the answer benchmarks ask of the bundled knowledge, shared
//! by `answer.rs` and `store.rs` (included by path) so their figures compare.

/// Realistic questions: definitions, lists, a comparison, a typo, a
/// paraphrase and one off-topic question that must not be answered.
pub const QUESTIONS: [&str; 8] = [
    "¿Qué es un KPO?",
    "beneficios bpo",
    "kpo vs bpo",
    "desafios del bpo",
    "¿por qué hay tanta rotasión en los BPO?",
    "¿Qué hace un BPO financiero?",
    "¿Cuál es la capital de Francia?",
    "tipos de kpo",
];
