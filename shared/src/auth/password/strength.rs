//! The rules a new password must meet, each saying what it checks:
//! - a length of [`MIN_LEN`] to [`MAX_LEN`] characters (Unicode scalar values);
//! - not containing the part of the account's email before the @ (when it has 4 characters or
//!   more; letter case ignored);
//! - a `zxcvbn` score (Dropbox's estimator, the maintained `zxcvbn` crate: dictionaries of
//!   common passwords, names and words, keyboard patterns, sequences, repeats, dates) of at
//!   least [`MIN_SCORE`] of 4, counting the account's own words (email, names, clinic) and the
//!   product's as known to an attacker. Below it, zxcvbn's feedback (its warning, then its
//!   suggestions, in English: [`Hint`] names each) follows the rule's message in the 422.

use zxcvbn::feedback::{Suggestion, Warning};

use crate::error::{Error, FieldError};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;
/// The least zxcvbn score accepted (3: "safely unguessable", about 10^10 guesses or more).
pub const MIN_SCORE: u8 = 3;

/// The messages of the rules (`errors[].message`); the console translates each
/// (`api/src/console/field_messages.rs`).
pub mod message {
    /// The email rule (the part before the @, 4 characters or more).
    pub const CONTAINS_EMAIL: &str = "must not contain the part of your email before the @";
    /// `is too easy to guess (strength {score} of 4, at least {MIN_SCORE} needed)`.
    pub const TOO_EASY_PREFIX: &str = "is too easy to guess (strength ";
}

/// Words every attacker of this service would try first, whoever the user.
const PRODUCT_WORDS: &[&str] = &["aftercare", "microneedling", "microneedle", "clinic"];

/// Checks the rules for `password`; `field` names the JSON field in the 422. `email` is the
/// account's address; `own_words` the account's other words an attacker may know (names, the
/// clinic's name). Errors: `Validation` with one entry per broken rule and, for a guessable
/// password, zxcvbn's warning and suggestions as further entries on the same field.
pub fn check_strength(
    field: &str,
    password: &str,
    email: Option<&str>,
    own_words: &[&str],
) -> Result<(), Error> {
    let mut problems = Vec::new();
    let chars = password.chars().count();
    if chars < MIN_LEN {
        problems.push(format!("must be at least {MIN_LEN} characters"));
    }
    if chars > MAX_LEN {
        problems.push(format!("must be at most {MAX_LEN} characters"));
    }
    // A NUL, a tab or a line break cannot be typed into a sign-in field, so such a password
    // could never be used again.
    if password.chars().any(char::is_control) {
        problems.push("must not contain control characters".to_owned());
    }
    let lower = password.to_lowercase();
    let local = email.and_then(|e| e.rsplit_once('@')).map(|(l, _)| l);
    if let Some(local) = local.filter(|l| l.chars().count() >= 4) {
        if lower.contains(&local.to_lowercase()) {
            problems.push(message::CONTAINS_EMAIL.to_owned());
        }
    }
    if chars <= MAX_LEN {
        problems.extend(guessability(password, email, local, own_words));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(
            problems
                .into_iter()
                .map(|m| FieldError::new(field, m))
                .collect(),
        ))
    }
}

/// zxcvbn's finding: nothing when the score is high enough, else the rule's message and the
/// estimator's feedback.
fn guessability(
    password: &str,
    email: Option<&str>,
    local: Option<&str>,
    own_words: &[&str],
) -> Vec<String> {
    let mut inputs: Vec<&str> = PRODUCT_WORDS.to_vec();
    inputs.extend(email);
    inputs.extend(local);
    // The local part's pieces (`ana.lopez` → `ana`, `lopez`) and each word of a name.
    inputs.extend(
        local
            .into_iter()
            .flat_map(|l| l.split(['.', '_', '-', '+'])),
    );
    inputs.extend(own_words.iter().copied());
    inputs.extend(own_words.iter().flat_map(|w| w.split_whitespace()));
    inputs.retain(|w| !w.is_empty());
    if password.is_empty() {
        return Vec::new();
    }
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    let score = u8::from(entropy.score());
    if score >= MIN_SCORE {
        return Vec::new();
    }
    let mut found = vec![format!(
        "{}{score} of 4, at least {MIN_SCORE} needed)",
        message::TOO_EASY_PREFIX
    )];
    if let Some(feedback) = entropy.feedback() {
        found.extend(feedback.warning().map(|w| w.to_string()));
        found.extend(feedback.suggestions().iter().map(ToString::to_string));
    }
    found
}

/// One piece of zxcvbn's feedback, named so the console can say it in its own language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hint {
    Warning(Warning),
    Suggestion(Suggestion),
}

impl Hint {
    /// Every warning and suggestion zxcvbn gives.
    pub const ALL: &[Hint] = &[
        Hint::Warning(Warning::StraightRowsOfKeysAreEasyToGuess),
        Hint::Warning(Warning::ShortKeyboardPatternsAreEasyToGuess),
        Hint::Warning(Warning::RepeatsLikeAaaAreEasyToGuess),
        Hint::Warning(Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess),
        Hint::Warning(Warning::ThisIsATop10Password),
        Hint::Warning(Warning::ThisIsATop100Password),
        Hint::Warning(Warning::ThisIsACommonPassword),
        Hint::Warning(Warning::ThisIsSimilarToACommonlyUsedPassword),
        Hint::Warning(Warning::SequencesLikeAbcAreEasyToGuess),
        Hint::Warning(Warning::RecentYearsAreEasyToGuess),
        Hint::Warning(Warning::AWordByItselfIsEasyToGuess),
        Hint::Warning(Warning::DatesAreOftenEasyToGuess),
        Hint::Warning(Warning::NamesAndSurnamesByThemselvesAreEasyToGuess),
        Hint::Warning(Warning::CommonNamesAndSurnamesAreEasyToGuess),
        Hint::Suggestion(Suggestion::UseAFewWordsAvoidCommonPhrases),
        Hint::Suggestion(Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters),
        Hint::Suggestion(Suggestion::AddAnotherWordOrTwo),
        Hint::Suggestion(Suggestion::CapitalizationDoesntHelpVeryMuch),
        Hint::Suggestion(Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase),
        Hint::Suggestion(Suggestion::ReversedWordsArentMuchHarderToGuess),
        Hint::Suggestion(Suggestion::PredictableSubstitutionsDontHelpVeryMuch),
        Hint::Suggestion(Suggestion::UseALongerKeyboardPatternWithMoreTurns),
        Hint::Suggestion(Suggestion::AvoidRepeatedWordsAndCharacters),
        Hint::Suggestion(Suggestion::AvoidSequences),
        Hint::Suggestion(Suggestion::AvoidRecentYears),
        Hint::Suggestion(Suggestion::AvoidYearsThatAreAssociatedWithYou),
        Hint::Suggestion(Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou),
    ];

    /// The hint whose English text (zxcvbn's) is `message`.
    pub fn of_message(message: &str) -> Option<Hint> {
        Hint::ALL.iter().copied().find(|h| h.text() == message)
    }

    /// zxcvbn's English text, as the API's 422 carries it.
    pub fn text(self) -> String {
        match self {
            Hint::Warning(w) => w.to_string(),
            Hint::Suggestion(s) => s.to_string(),
        }
    }

    /// A stable name (`top10`, `add_word`), for a catalogue id.
    pub fn key(self) -> &'static str {
        match self {
            Hint::Warning(w) => match w {
                Warning::StraightRowsOfKeysAreEasyToGuess => "key_rows",
                Warning::ShortKeyboardPatternsAreEasyToGuess => "key_patterns",
                Warning::RepeatsLikeAaaAreEasyToGuess => "repeats",
                Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "repeated_groups",
                Warning::ThisIsATop10Password => "top10",
                Warning::ThisIsATop100Password => "top100",
                Warning::ThisIsACommonPassword => "common",
                Warning::ThisIsSimilarToACommonlyUsedPassword => "similar_common",
                Warning::SequencesLikeAbcAreEasyToGuess => "sequences",
                Warning::RecentYearsAreEasyToGuess => "recent_years",
                Warning::AWordByItselfIsEasyToGuess => "one_word",
                Warning::DatesAreOftenEasyToGuess => "dates",
                Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => "names_alone",
                Warning::CommonNamesAndSurnamesAreEasyToGuess => "common_names",
            },
            Hint::Suggestion(s) => match s {
                Suggestion::UseAFewWordsAvoidCommonPhrases => "few_words",
                Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => "no_symbols_needed",
                Suggestion::AddAnotherWordOrTwo => "add_word",
                Suggestion::CapitalizationDoesntHelpVeryMuch => "capitals",
                Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => "all_capitals",
                Suggestion::ReversedWordsArentMuchHarderToGuess => "reversed",
                Suggestion::PredictableSubstitutionsDontHelpVeryMuch => "substitutions",
                Suggestion::UseALongerKeyboardPatternWithMoreTurns => "longer_pattern",
                Suggestion::AvoidRepeatedWordsAndCharacters => "avoid_repeats",
                Suggestion::AvoidSequences => "avoid_sequences",
                Suggestion::AvoidRecentYears => "avoid_recent_years",
                Suggestion::AvoidYearsThatAreAssociatedWithYou => "avoid_your_years",
                Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => "avoid_your_dates",
            },
        }
    }
}
