//! What the bot says besides passages, in each language, from one place.
//!
//! Front ends ask for a [`Msg`] in a [`Lang`]; adding a language means adding
//! one arm per message here (the compiler lists every one left out).

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    SeeAlso,
    Source,
    Confidence,
    NoAnswerTitle,
    /// Followed by the confidence, then the topics.
    NoAnswerBody,
    NoTopics,
    /// A topic button whose section a reload removed.
    TopicGone,
    Topics,
    TopicsIntro,
    /// Above "did you mean" passage buttons.
    DidYouMean,
    QuestionEmpty,
    /// `{max}` is the limit.
    QuestionTooLong,
    /// `{secs}` is the wait.
    Cooldown,
    NotAdmin,
    ReloadRefused,
    ReloadDone,
    /// `{n}` is /recommend's option count.
    CommandsRegistered,
    /// `{why}` is Discord's refusal.
    CommandsRefused,
    /// `{why}` is the failure.
    CommandsPending,
    Apology,
    BadInput,
    Help,
    Recommendation,
    Reasons,
    Risks,
    Scores,
    Hybrid,
    NoRuleApplies,
    NoOptions,
    NoRules,
    NoStore,
    /// How a follow-up was understood: `{note}`.
    Understood,
    /// What the store keeps, for /help: `{days}`.
    HelpStore,
    /// The same with `store.keep_questions = false`: `{days}`.
    HelpStoreCounts,
    /// For /help when nothing is kept.
    HelpNoStore,
    FeedbackThanks,
    /// After 👎, above the menu of passages.
    FeedbackWhich,
    PickThanks,
    /// `{days}`.
    InsightsTitle,
    /// `{asked}`, `{answered}`, `{share}`, `{users}`.
    InsightsSummary,
    InsightsMostDown,
    InsightsVotes,
    InsightsUnanswered,
    SuggestionsTitle,
    /// `{total}`.
    SuggestionsIntro,
    SuggestionsNone,
    /// `{n}`.
    SuggestionAccept,
    /// `{n}`.
    SuggestionReject,
    SuggestionGone,
    /// `{question}`, `{passage}`, `{at}`.
    SuggestionAccepted,
    /// `{question}`, `{passage}`.
    SuggestionRejected,
    /// `{why}`.
    SuggestionFailed,
}

/// The text of `msg` in `lang`.
pub fn text(lang: Lang, msg: Msg) -> &'static str {
    use Msg::*;
    match (lang, msg) {
        (Lang::Es, SeeAlso) => "Ver también",
        (Lang::En, SeeAlso) => "See also",
        (Lang::Es, Source) => "Fuente",
        (Lang::En, Source) => "Source",
        (Lang::Es, Confidence) => "confianza",
        (Lang::En, Confidence) => "confidence",
        (Lang::Es, NoAnswerTitle) => "Sin respuesta clara",
        (Lang::En, NoAnswerTitle) => "No clear answer",
        (Lang::Es, NoAnswerBody) => {
            "No encontré en el conocimiento nada que responda bien a esto"
        }
        (Lang::En, NoAnswerBody) => "I found nothing in the knowledge that answers this well",
        (Lang::Es, NoTopics) => "Pregunte por BPO o KPO: qué son, sus tipos, beneficios, desafíos o diferencias.",
        (Lang::En, NoTopics) => "Ask about BPO or KPO: what they are, their types, benefits, challenges or differences.",
        (Lang::Es, TopicGone) => "Ese tema ya no existe: el conocimiento cambió desde que se envió el botón. Pruebe /topics.",
        (Lang::En, TopicGone) => "That topic no longer exists: the knowledge changed since the button was sent. Try /topics.",
        (Lang::Es, Topics) => "Temas",
        (Lang::En, Topics) => "Topics",
        (Lang::Es, TopicsIntro) => "Estos temas son los más cercanos:",
        (Lang::En, TopicsIntro) => "These topics come closest:",
        (Lang::Es, DidYouMean) => "¿Quiso decir…?",
        (Lang::En, DidYouMean) => "Did you mean…?",
        (Lang::Es, QuestionEmpty) => "La pregunta está vacía: escriba qué quiere saber.",
        (Lang::En, QuestionEmpty) => "The question is empty: write what you want to know.",
        (Lang::Es, QuestionTooLong) => "La pregunta es demasiado larga: el límite es de {max} caracteres.",
        (Lang::En, QuestionTooLong) => "The question is too long: the limit is {max} characters.",
        (Lang::Es, Cooldown) => "Va más rápido de lo que puedo seguir: vuelva a intentarlo en {secs} s.",
        (Lang::En, Cooldown) => "You're asking faster than I can keep up: try again in {secs} s.",
        (Lang::Es, NotAdmin) => {
            "Solo los administradores del servidor (Gestionar servidor) pueden usar esto."
        }
        (Lang::En, NotAdmin) => "Only server admins (Manage Server) can use this.",
        (Lang::Es, ReloadRefused) => "Recarga rechazada; se sigue sirviendo el conocimiento anterior.",
        (Lang::En, ReloadRefused) => "Reload refused; the old knowledge is still served.",
        (Lang::Es, ReloadDone) => "Conocimiento recargado",
        (Lang::En, ReloadDone) => "Knowledge reloaded",
        (Lang::Es, CommandsRegistered) => "Comandos de barra actualizados: /recommend tiene {n} opciones.",
        (Lang::En, CommandsRegistered) => "Slash commands updated: /recommend has {n} options.",
        (Lang::Es, CommandsRefused) => {
            "Discord rechazó los comandos de barra nuevos ({why}): /recommend sigue como estaba. Corrija el cuestionario de rules.toml y recargue."
        }
        (Lang::En, CommandsRefused) => {
            "Discord refused the new slash commands ({why}): /recommend stays as it was. Fix the questionnaire in rules.toml and reload."
        }
        (Lang::Es, CommandsPending) => {
            "Discord aún no aceptó los comandos de barra nuevos ({why}); se reintentará en segundo plano."
        }
        (Lang::En, CommandsPending) => {
            "Discord has not taken the new slash commands yet ({why}); retrying in the background."
        }
        (Lang::Es, Apology) => {
            "Lo siento, algo falló de mi lado. Los administradores encontrarán los detalles en el registro."
        }
        (Lang::En, Apology) => {
            "Sorry, something went wrong on my side. The admins can find the details in the log."
        }
        (Lang::Es, BadInput) => "No pude leer esa orden",
        (Lang::En, BadInput) => "I couldn't read that command",
        (Lang::Es, Help) => HELP_ES,
        (Lang::En, Help) => HELP_EN,
        (Lang::Es, Recommendation) => "Recomendación",
        (Lang::En, Recommendation) => "Recommendation",
        (Lang::Es, Reasons) => "Razones",
        (Lang::En, Reasons) => "Reasons",
        (Lang::Es, Risks) => "Riesgos",
        (Lang::En, Risks) => "Risks",
        (Lang::Es, Scores) => "Puntuación",
        (Lang::En, Scores) => "Scores",
        (Lang::Es, Hybrid) => "híbrido (combinar BPO y KPO)",
        (Lang::En, Hybrid) => "hybrid (combine BPO and KPO)",
        (Lang::Es, NoRuleApplies) => {
            "Ninguna regla se aplica a estas respuestas: añada más (por ejemplo, el tipo de trabajo o su complejidad)."
        }
        (Lang::En, NoRuleApplies) => {
            "No rule applies to these answers: add more (the kind of work or its complexity, for example)."
        }
        (Lang::Es, NoOptions) => "Elija al menos una opción de /recommend (tipo de trabajo, complejidad, volumen…).",
        (Lang::En, NoOptions) => "Choose at least one /recommend option (kind of work, complexity, volume…).",
        (Lang::Es, Understood) => "Entendí: {note}",
        (Lang::En, Understood) => "Understood as: {note}",
        (Lang::Es, NoStore) => "El registro de preguntas está desactivado (store.enabled = false).",
        (Lang::En, NoStore) => "The question log is off (store.enabled = false).",
        (Lang::Es, HelpStore) => "Qué guardo: cada pregunta (su texto, idioma, si fue por comando, mención, mensaje directo o canal, el servidor), si la respondí y con qué confianza, y sus 👍/👎. Nunca su nombre ni su id de usuario: los miembros se cuentan con un hash con clave. Todo se borra a los {days} días.",
        (Lang::En, HelpStore) => "What I keep: each question (its text, language, whether it came by command, mention, DM or channel, the server), whether I answered it and how confidently, and your 👍/👎. Never your name or user id: members are counted through a keyed hash. Everything is deleted after {days} days.",
        (Lang::Es, HelpStoreCounts) => "Qué guardo: de cada pregunta, solo su idioma, si fue por comando, mención, mensaje directo o canal, el servidor, si la respondí y con qué confianza, y sus 👍/👎; no su texto. Nunca su nombre ni su id de usuario: los miembros se cuentan con un hash con clave. Todo se borra a los {days} días.",
        (Lang::En, HelpStoreCounts) => "What I keep: of each question, only its language, whether it came by command, mention, DM or channel, the server, whether I answered it and how confidently, and your 👍/👎; not its text. Never your name or user id: members are counted through a keyed hash. Everything is deleted after {days} days.",
        (Lang::Es, HelpNoStore) => "No guardo las preguntas.",
        (Lang::En, HelpNoStore) => "I keep no record of questions.",
        (Lang::Es, FeedbackThanks) => "¡Gracias! Su opinión queda registrada.",
        (Lang::En, FeedbackThanks) => "Thanks! Your feedback is recorded.",
        (Lang::Es, FeedbackWhich) => "Gracias. ¿Qué pasaje esperaba?",
        (Lang::En, FeedbackWhich) => "Thanks. Which passage did you expect?",
        (Lang::Es, PickThanks) => "Gracias: lo tendremos en cuenta.",
        (Lang::En, PickThanks) => "Thanks: we'll take it into account.",
        (Lang::Es, InsightsTitle) => "Lo que se preguntó en los últimos {days} días",
        (Lang::En, InsightsTitle) => "What was asked in the last {days} days",
        (Lang::Es, InsightsSummary) => "{asked} preguntas, {answered} respondidas ({share} %), de {users} miembros.",
        (Lang::En, InsightsSummary) => "{asked} questions, {answered} answered ({share}%), from {users} members.",
        (Lang::Es, InsightsMostDown) => "Pasajes con más 👎",
        (Lang::En, InsightsMostDown) => "Passages with the most 👎",
        (Lang::Es, InsightsVotes) => "👍 y 👎 por pasaje",
        (Lang::En, InsightsVotes) => "👍 and 👎 per passage",
        (Lang::Es, InsightsUnanswered) => "Sin respuesta (agrupadas por significado)",
        (Lang::En, InsightsUnanswered) => "Unanswered (grouped by meaning)",
        (Lang::Es, SuggestionsTitle) => "Preguntas para enseñar",
        (Lang::En, SuggestionsTitle) => "Questions to teach",
        (Lang::Es, SuggestionsIntro) => "Los miembros resolvieron estas preguntas a un pasaje ({total} en total). Aceptar la escribe como pregunta alternativa de ese pasaje y recarga.",
        (Lang::En, SuggestionsIntro) => "Members resolved these questions to a passage ({total} in all). Accept writes one as an alternate question of that passage and reloads.",
        (Lang::Es, SuggestionsNone) => "No hay sugerencias por ahora.",
        (Lang::En, SuggestionsNone) => "No suggestions for now.",
        (Lang::Es, SuggestionAccept) => "Aceptar {n}",
        (Lang::En, SuggestionAccept) => "Accept {n}",
        (Lang::Es, SuggestionReject) => "Rechazar {n}",
        (Lang::En, SuggestionReject) => "Reject {n}",
        (Lang::Es, SuggestionGone) => "Esa sugerencia ya se decidió o ya no existe.",
        (Lang::En, SuggestionGone) => "That suggestion was already decided or no longer exists.",
        (Lang::Es, SuggestionAccepted) => "Añadida «{question}» a `{passage}` ({at}).",
        (Lang::En, SuggestionAccepted) => "Added “{question}” to `{passage}` ({at}).",
        (Lang::Es, SuggestionRejected) => "Rechazada: «{question}» no se volverá a sugerir para `{passage}`.",
        (Lang::En, SuggestionRejected) => "Rejected: “{question}” will not be suggested again for `{passage}`.",
        (Lang::Es, SuggestionFailed) => "No se escribió la pregunta: {why}",
        (Lang::En, SuggestionFailed) => "The question was not written: {why}",
        (Lang::Es, NoRules) => "Las recomendaciones no están configuradas (falta rules.toml).",
        (Lang::En, NoRules) => "Recommendations are not set up (rules.toml is missing).",
    }
}

const HELP_ES: &str = "\
Respondo preguntas sobre externalización: BPO (procesos de negocio) y KPO (procesos de conocimiento), con los pasajes del material que las responden y su fuente.
• `/ask pregunta:` — por ejemplo «¿Qué es un KPO?», «beneficios del bpo», «kpo vs bpo».
• `/recommend` — indique su situación (tipo de trabajo, complejidad, volumen, experiencia, reglas o criterio, objetivo) y le digo si le conviene BPO, KPO o un modelo híbrido, y por qué.
• `/topics` — los temas que conozco.
• También respondo si me menciona, por mensaje directo o en los canales de respuestas.
• 👍 y 👎 bajo una respuesta les dicen a los administradores qué sirve; tras 👎 puede elegir el pasaje que esperaba.
Si nada responde bien, lo digo en lugar de adivinar, y ofrezco lo más cercano.
Administradores: `/reload`, `/insights`, `/suggestions`.";

const HELP_EN: &str = "\
I answer questions about outsourcing: BPO (business processes) and KPO (knowledge processes), with the passages of the material that answer them and their source.
• `/ask question:` — for example \"What is KPO?\", \"beneficios del bpo\", \"kpo vs bpo\".
• `/recommend` — describe your situation (kind of work, complexity, volume, expertise, rules or judgment, goal) and I tell you whether BPO, KPO or a hybrid fits, and why.
• `/topics` — the topics I know.
• I also answer when you mention me, in a direct message, or in the answer channels.
• 👍 and 👎 under an answer tell the admins what helps; after 👎 you can pick the passage you expected.
When nothing answers well, I say so instead of guessing, and offer what came closest.
Admins: `/reload`, `/insights`, `/suggestions`.";

/// `msg` with `{name}` placeholders filled in.
pub fn fill(lang: Lang, msg: Msg, values: &[(&str, &str)]) -> String {
    let mut out = text(lang, msg).to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(Lang::En, Msg::Cooldown, &[("secs", "12")]),
            "You're asking faster than I can keep up: try again in 12 s."
        );
        assert!(fill(Lang::Es, Msg::QuestionTooLong, &[("max", "500")]).contains("500 caracteres"));
    }
}
