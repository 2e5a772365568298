//! Writing and re-planning a patient's prompts (the schedule engine's output).
