//! Moving everything that belongs to one record onto another.
