//! merge API tests.
