//! custodia's integration tests, in one binary so that they link once.

// unwrap, expect and panic are how tests fail; the lints guard library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod browser;
mod c_abi;
mod cli;
mod crypt_props;
mod dedupe;
mod faces;
mod febrl_data;
mod fuzz_replay;
mod header;
mod hostile;
mod layers;
mod mask_props;
mod profile;
mod props;
mod quickstart;
mod review;
