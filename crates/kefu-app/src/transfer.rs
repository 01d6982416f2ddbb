//! Importing and exporting contacts and organisations.
