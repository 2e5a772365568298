use serde::{Deserialize, Serialize};

use super::code_enum;

code_enum!(
    /// Treated areas (docs/FACTS.md: face most often; also neck, chest, hands, back, legs).
    Area {
        Face => "face", Neck => "neck", Chest => "chest", Hands => "hands",
        Back => "back", Legs => "legs", Scalp => "scalp",
    }
);

code_enum!(Device { Pen => "pen", Roller => "roller", Stamp => "stamp" });

code_enum!(
    /// Treatments a session may be combined with (docs/FACTS.md: PRP).
    CombinedWith { Prp => "prp" }
);

code_enum!(
    /// Screening findings that defer or call for caution (docs/FACTS.md, "Who should not be treated").
    Contraindication {
        ActiveAcne => "active_acne",
        Isotretinoin => "isotretinoin",
        ActiveInfection => "active_infection",
        OpenWound => "open_wound",
        Sunburn => "sunburn",
        RashOrInflammation => "rash_or_inflammation",
        BloodThinnersOrClottingDisorder => "blood_thinners_or_clotting_disorder",
        ChemoOrRadiation => "chemo_or_radiation",
        ColdSores => "cold_sores",
        KeloidTendency => "keloid_tendency",
        ChangingMoles => "changing_moles",
        Eczema => "eczema",
        Psoriasis => "psoriasis",
        Rosacea => "rosacea",
        PoorHealing => "poor_healing",
        SolarKeratosis => "solar_keratosis",
        Pregnancy => "pregnancy",
    }
);

code_enum!(
    /// Symptoms a patient can report in a check-in; every one is a warning sign (docs/FACTS.md).
    Symptom {
        Pus => "pus", Fever => "fever", SpreadingRedness => "spreading_redness",
        Blisters => "blisters", ColdSore => "cold_sore", SeverePain => "severe_pain",
    }
);

code_enum!(
    /// How soon a check-in needs the clinic: the triage result (docs/CONTRACT.md
    /// `POST /v1/me/check-ins` → `severity`; the rules are in `shared/protocol/v1/triage.toml`).
    /// Ordered `None < Routine < Urgent`, so the most severe of several findings is the `max`.
    Severity { None => "none", Routine => "routine", Urgent => "urgent" }
);

/// Needle depth in millimetres, within the 0.5–2.5 mm range docs/FACTS.md gives for the devices.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NeedleDepth(f64);

impl NeedleDepth {
    pub const MIN_MM: f64 = 0.5;
    pub const MAX_MM: f64 = 2.5;
    /// At or beyond this depth pinpoint bleeding and bruising are more likely (docs/FACTS.md).
    pub const DEEP_MM: f64 = 1.5;

    pub fn parse(mm: f64) -> Result<Self, String> {
        if !mm.is_finite() || !(Self::MIN_MM..=Self::MAX_MM).contains(&mm) {
            return Err(format!(
                "must be between {} and {} mm",
                Self::MIN_MM,
                Self::MAX_MM
            ));
        }
        Ok(NeedleDepth(mm))
    }

    pub fn mm(self) -> f64 {
        self.0
    }

    pub fn is_deep(self) -> bool {
        self.0 >= Self::DEEP_MM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Contraindication::ALL {
            assert_eq!(Contraindication::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{c}\""));
        }
        assert_eq!(Contraindication::ALL.len(), 17);
        assert_eq!(Area::parse("scalp"), Some(Area::Scalp));
        assert_eq!(Area::parse("elbow"), None);
    }

    #[test]
    fn severities_order_from_none_to_urgent() {
        assert!(Severity::None < Severity::Routine && Severity::Routine < Severity::Urgent);
        let wire: Vec<_> = Severity::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(wire, ["none", "routine", "urgent"]);
        assert_eq!(Severity::parse("urgent"), Some(Severity::Urgent));
        assert_eq!(serde_json::to_string(&Severity::None).unwrap(), "\"none\"");
    }

    #[test]
    fn needle_depth_band() {
        assert!(NeedleDepth::parse(0.4).is_err() && NeedleDepth::parse(2.6).is_err());
        assert!(NeedleDepth::parse(f64::NAN).is_err());
        assert!(NeedleDepth::parse(1.5).unwrap().is_deep());
        assert!(!NeedleDepth::parse(1.0).unwrap().is_deep());
    }
}
