//! transfer API tests.
