//! How many SMS segments a text takes, as the carrier network bills it (3GPP TS 23.038 for the
//! alphabets, TS 23.040 for concatenation).
//!
//! A text written entirely in the GSM 7-bit default alphabet (the basic table, plus the
//! extension table's `^ { } \ [ ~ ] | €` and form feed, which take two septets each: an escape
//! and the character) is sent as GSM-7: 160 septets in one segment, 153 per segment once it is
//! split (a concatenation header takes 7). Any other character makes the whole text UCS-2: 70
//! UTF-16 code units in one segment, 67 per segment once split. A two-septet character or a
//! surrogate pair is never split between segments (Twilio's and the handsets' behaviour), so a
//! segment may hold one unit fewer.

/// The alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet.
    Gsm7,
    /// UCS-2 (UTF-16 code units on the wire).
    Ucs2,
}

impl Encoding {
    /// The metric label: `gsm7` or `ucs2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }
}

/// A text's size on the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets (GSM-7, extension characters counting 2) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// Segments billed, at least 1 (an empty text is still one message).
    pub segments: u32,
}

/// Characters of the GSM 7-bit default alphabet's basic table (one septet each; the escape
/// 0x1B is not a character of its own).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// Characters of the extension table (an escape and the character: two septets each).
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets `c` takes in GSM-7, or `None` when it is not in the alphabet.
pub fn gsm7_septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether the whole text can be sent as GSM-7.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_septets(c).is_some())
}

/// Counts `text`'s segments (see the module notes for the rules).
pub fn count(text: &str) -> Segments {
    if is_gsm7(text) {
        let sizes = text.chars().map(|c| gsm7_septets(c).unwrap_or(1));
        pack(Encoding::Gsm7, sizes, 160, 153)
    } else {
        pack(Encoding::Ucs2, text.chars().map(char::len_utf16), 70, 67)
    }
}

/// Fits characters of the given unit sizes into segments: one when the total fits `single`,
/// else segments of `split` units, a character never divided between two.
fn pack(
    encoding: Encoding,
    sizes: impl Iterator<Item = usize> + Clone,
    single: usize,
    split: usize,
) -> Segments {
    let units: usize = sizes.clone().sum();
    if units <= single {
        return Segments {
            encoding,
            units,
            segments: 1,
        };
    }
    let (mut segments, mut used) = (1u32, 0usize);
    for size in sizes {
        if used + size > split {
            segments += 1;
            used = 0;
        }
        used += size;
    }
    Segments {
        encoding,
        units,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> (Encoding, usize, u32) {
        let s = count(text);
        (s.encoding, s.units, s.segments)
    }

    #[test]
    fn gsm7_limits_are_160_then_153() {
        assert_eq!(seg(""), (Encoding::Gsm7, 0, 1));
        assert_eq!(seg(&"a".repeat(160)), (Encoding::Gsm7, 160, 1));
        assert_eq!(seg(&"a".repeat(161)), (Encoding::Gsm7, 161, 2));
        assert_eq!(seg(&"a".repeat(306)), (Encoding::Gsm7, 306, 2));
        assert_eq!(seg(&"a".repeat(307)), (Encoding::Gsm7, 307, 3));
    }

    #[test]
    fn extension_characters_take_two_septets_and_are_not_split() {
        assert_eq!(seg("€"), (Encoding::Gsm7, 2, 1));
        assert_eq!(seg("[x]{y}|~^\\"), (Encoding::Gsm7, 18, 1));
        assert_eq!(
            seg(&format!("{}€", "a".repeat(158))),
            (Encoding::Gsm7, 160, 1)
        );
        assert_eq!(
            seg(&format!("{}€", "a".repeat(159))),
            (Encoding::Gsm7, 161, 2)
        );
        // 152 + an escape pair: the pair goes whole to the second segment.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(153));
        assert_eq!(seg(&text), (Encoding::Gsm7, 307, 3));
    }

    #[test]
    fn the_whole_basic_table_is_one_septet_each() {
        assert_eq!(BASIC.chars().count(), 127);
        assert!(BASIC.chars().all(|c| gsm7_septets(c) == Some(1)));
        assert_eq!(seg("Clínica"), (Encoding::Ucs2, 7, 1), "í is not GSM-7");
        assert_eq!(seg("Ñandú"), (Encoding::Ucs2, 5, 1), "ú is not GSM-7");
        assert_eq!(seg("Ñoño àé"), (Encoding::Gsm7, 7, 1));
    }

    #[test]
    fn ucs2_limits_are_70_then_67() {
        assert_eq!(seg(&"á".repeat(70)), (Encoding::Ucs2, 70, 1));
        assert_eq!(seg(&"á".repeat(71)), (Encoding::Ucs2, 71, 2));
        assert_eq!(seg(&"á".repeat(134)), (Encoding::Ucs2, 134, 2));
        assert_eq!(seg(&"á".repeat(135)), (Encoding::Ucs2, 135, 3));
        // One character outside GSM-7 turns the whole text UCS-2.
        assert_eq!(
            seg(&format!("{}á", "a".repeat(100))),
            (Encoding::Ucs2, 101, 2)
        );
    }

    #[test]
    fn surrogate_pairs_count_two_and_are_not_split() {
        assert_eq!(seg("😀"), (Encoding::Ucs2, 2, 1));
        let text = format!("{}😀{}", "a".repeat(66), "b".repeat(10));
        assert_eq!(seg(&text), (Encoding::Ucs2, 78, 2));
    }
}
