//! The after-sales pages in zh-CN and English.
