//! customers API tests.
