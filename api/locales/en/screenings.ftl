# The console: pre-visit screenings (flags on the roster and the record, the tomorrow list).
