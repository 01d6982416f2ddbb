//! Merging duplicate contacts and organisations, and finding likely duplicates.
