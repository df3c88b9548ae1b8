//! The machine-learning market: worker staking (and, next to it, the market pallets).
//!
//! The values are the ones documented in the README's "ModelChain constants" table; the
//! runtime tests check the relations between them (`integrity_test`).

use crate::*;
use polkadot_sdk::{
	frame_support::{parameter_types, traits::ConstU32},
	frame_system::EnsureRoot,
};

parameter_types! {
	/// The smallest non-zero bond: 10 MDC.
	pub const MinBond: Balance = 10 * MDC;
	/// The active bond a worker needs: 1,000 MDC, the price of one seat in the worker draw.
	pub const MinWorkerBond: Balance = 1_000 * MDC;
	/// Unbonded stake stays held and slashable for two days.
	pub const UnbondingPeriod: BlockNumber = 2 * DAYS;
	/// A reported slash waits an hour, so governance (sudo) can cancel a wrong one.
	pub const SlashDeferDuration: BlockNumber = HOURS;
	/// The longest any market pallet may take to prove an offence (a prediction's deadline
	/// plus its challenge window, a bounty's evaluation phase). The unbonding period must be
	/// longer than this plus the slash deferral.
	pub const LongestOffenceWindow: BlockNumber = DAYS;
}

impl pallet_ml_staking::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type OnSlash = configs::monetary::OnSlash;
	type SlashCancelOrigin = EnsureRoot<AccountId>;
	type MinBond = MinBond;
	type MinWorkerBond = MinWorkerBond;
	type UnbondingPeriod = UnbondingPeriod;
	type SlashDeferDuration = SlashDeferDuration;
	type LongestOffenceWindow = LongestOffenceWindow;
	type MaxUnbondingChunks = ConstU32<32>;
	type MaxWorkers = ConstU32<1024>;
	type MaxSlashesPerBlock = ConstU32<16>;
	type WeightInfo = pallet_ml_staking::weights::SubstrateWeight<Runtime>;
}
