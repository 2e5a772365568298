//! The aftercare protocol: versioned, data-driven prompt content and the rules that turn a
//! treatment into a day-by-day plan.

/// The loaded, validated protocol.
#[derive(Debug, Clone, Default)]
pub struct Protocol {}

impl Protocol {
    /// Loads the built-in protocol, or the files in `dir` when given.
    pub fn load(_dir: Option<&str>) -> anyhow::Result<Self> {
        Ok(Self {})
    }
}
