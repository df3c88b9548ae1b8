//! Every period of the market, in blocks: the production values, or, with the `fast-runtime`
//! feature, short ones for tests and demonstrations.
//!
//! The node carries both runtimes: `--dev` and `--chain local` run the production one,
//! `--chain dev-fast` and `--chain local-fast` the fast one (the same code and genesis, only
//! these numbers differ). On the fast chains a worker's stake unbonds in 45 blocks (4.5
//! minutes) instead of two days, and a slash applies 10 blocks after its report instead of two
//! hours, so a test or a demonstration can watch a whole worker lifecycle.
//!
//! Both sets keep the relations the market's safety rests on (nobody unbonds before an
//! offence is proven and its slash applied; a challenge that clears a worker comes before its
//! slash). The pallets' `integrity_test`s check them for the runtime the tests build
//! natively, which is the production one; the assertions at the end of this file check them
//! at compile time for whichever set is built, the fast wasm included.

use crate::BlockNumber;
#[cfg(not(feature = "fast-runtime"))]
use crate::{DAYS, HOURS, MINUTES};

#[cfg(not(feature = "fast-runtime"))]
mod values {
	use super::*;
	/// Unbonded stake stays held and slashable for two days.
	pub const UNBONDING_PERIOD: BlockNumber = 2 * DAYS;
	/// A slashing span applies two hours after it opened (or after its latest cancellable
	/// report).
	pub const SLASH_DEFER_DURATION: BlockNumber = 2 * HOURS;
	/// The longest any market pallet may take to prove an offence.
	pub const LONGEST_OFFENCE_WINDOW: BlockNumber = DAYS;
	/// A new worker enters the draw ten minutes after registering.
	pub const ACTIVATION_DELAY: BlockNumber = 10 * MINUTES;
	/// A prediction's final result can be challenged for an hour...
	pub const CHALLENGE_WINDOW: BlockNumber = HOURS;
	/// ... and is kept for a day.
	pub const RETENTION_PERIOD: BlockNumber = DAYS;
	/// Evaluators get 20 blocks to commit their scores after their computation time, and 20
	/// more to reveal.
	pub const SCORE_WINDOW: BlockNumber = 20;
	/// A bounty's quorum scores can be challenged for at most an hour.
	pub const MAX_SCORE_CHALLENGE_PERIOD: BlockNumber = HOURS;
	/// An ended bounty (its leaderboard) is kept for a week.
	pub const BOUNTY_RETENTION: BlockNumber = 7 * DAYS;
	/// A bounty's evaluation may take 3,600 blocks (six hours) of computation at half an
	/// evaluator's per-block budget: 3.6e11 cost units.
	pub const MAX_EVALUATION_COST: u64 = 360_000_000_000;
}

#[cfg(feature = "fast-runtime")]
mod values {
	use super::*;
	pub const UNBONDING_PERIOD: BlockNumber = 45;
	pub const SLASH_DEFER_DURATION: BlockNumber = 10;
	pub const LONGEST_OFFENCE_WINDOW: BlockNumber = 30;
	pub const ACTIVATION_DELAY: BlockNumber = 10;
	pub const CHALLENGE_WINDOW: BlockNumber = 5;
	pub const RETENTION_PERIOD: BlockNumber = 20;
	pub const SCORE_WINDOW: BlockNumber = 5;
	pub const MAX_SCORE_CHALLENGE_PERIOD: BlockNumber = 5;
	pub const BOUNTY_RETENTION: BlockNumber = 50;
	/// Five blocks of computation at half an evaluator's budget: the digits model on 10,000
	/// samples (4.1e7) fits 12 times, so a bounty of 10 submissions on 10,000 samples is
	/// admitted and one of 32 (1.3e9) is not (`EvaluationTooCostly`; the production runtime of
	/// `--dev` and `--chain local` takes it). The bound cannot grow past 8e8 without longer
	/// offence windows and unbonding (the assertions below).
	pub const MAX_EVALUATION_COST: u64 = 500_000_000;
}

pub use values::*;

/// Prediction answers are accepted for 10 blocks (one minute) after the draw.
pub const ANSWER_WINDOW: BlockNumber = 10;
/// Bounty phases last at least 5 blocks (30 s: whoever takes part sees the terms first).
pub const MIN_BOUNTY_PERIOD: BlockNumber = 5;
/// An evaluator's off-chain worker spends 2e8 cost units a block on bounties.
pub const OFFCHAIN_EVAL_COST_PER_BLOCK: u64 = 200_000_000;

// The relations of the staking, predictions and bounties pallets' `integrity_test`s (see there
// for the reasons), for the set being built.
const _: () = {
	assert!(UNBONDING_PERIOD > LONGEST_OFFENCE_WINDOW + SLASH_DEFER_DURATION);
	assert!(SLASH_DEFER_DURATION > 0 && ACTIVATION_DELAY > 0);
	// Predictions: the last offence is reported at a challenge.
	assert!(ANSWER_WINDOW + CHALLENGE_WINDOW + 2 <= LONGEST_OFFENCE_WINDOW);
	assert!(CHALLENGE_WINDOW < SLASH_DEFER_DURATION);
	assert!(RETENTION_PERIOD >= CHALLENGE_WINDOW);
	// Bounties: draw, computation, commit and reveal, then the challenge period.
	let compute = MAX_EVALUATION_COST.div_ceil(OFFCHAIN_EVAL_COST_PER_BLOCK / 2);
	assert!(compute + 3 * SCORE_WINDOW as u64 + MAX_SCORE_CHALLENGE_PERIOD as u64 + 2 <= LONGEST_OFFENCE_WINDOW as u64);
	assert!(2 * MAX_SCORE_CHALLENGE_PERIOD <= SLASH_DEFER_DURATION);
	assert!(MAX_SCORE_CHALLENGE_PERIOD >= MIN_BOUNTY_PERIOD && SCORE_WINDOW >= 1);
};
