//! Writing results: [`json`] for `events` and `summary --output json`, [`table`] for the
//! human report, [`csv`] for spreadsheets, [`html`] for the page of `gatelog report`,
//! [`spikes`] and [`timeline`] for those commands, [`progress`] for the progress bar; what
//! they share is in [`style`]. Writers only format: every number they show comes from
//! `timeline` or `engine`.

pub mod csv;
pub mod html;
pub mod json;
pub mod progress;
pub mod spikes;
pub mod style;
pub mod table;
pub mod timeline;
