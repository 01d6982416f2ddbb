//! Import runs, their bad rows, and saved column mappings.
