//! A test runtime: frame_system, pallet_balances and this pallet.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_ml_staking, CreditOf};
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::Balanced, ConstU32, Hooks, Imbalance, OnUnbalanced},
};
use frame_system::EnsureRoot;
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances,
	sp_io::TestExternalities,
	sp_runtime::{traits::IdentityLookup, BuildStorage, Perbill},
};

pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;

/// Receives slashed funds unless `BurnSlashes` is set.
pub const SLASH_POT: AccountId = 999;
/// Starting free balance of the test accounts 1..=20.
pub const INITIAL_BALANCE: Balance = 10_000;
pub const MIN_BOND: Balance = 10;
pub const MIN_WORKER_BOND: Balance = 100;
pub const UNBONDING_PERIOD: BlockNumber = 20;
pub const OFFENCE_WINDOW: BlockNumber = 10;
pub const DEFER: BlockNumber = 5;
pub const ACTIVATION_DELAY: BlockNumber = 3;
pub const MAX_MISSES: u32 = 3;
pub const CHALLENGE_DEPOSIT: Balance = 50;
pub const MAX_TRACKED: u32 = 4;

/// The worker key the test helpers give stash `who`.
pub fn key(who: AccountId) -> AccountId {
	who + 100
}

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Staking: pallet_ml_staking,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const MinBond: Balance = MIN_BOND;
	pub const MinWorkerBond: Balance = MIN_WORKER_BOND;
	pub const UnbondingPeriod: BlockNumber = UNBONDING_PERIOD;
	pub const LongestOffenceWindow: BlockNumber = OFFENCE_WINDOW;
	pub static SlashDeferDuration: BlockNumber = DEFER;
	pub const ActivationDelay: BlockNumber = ACTIVATION_DELAY;
	pub const LivenessSlashCap: Perbill = Perbill::from_percent(2);
	pub const SlashRewardFraction: Perbill = Perbill::from_percent(10);
	pub const ChallengeDeposit: Balance = CHALLENGE_DEPOSIT;
	/// When set, slashed funds are dropped (burnt) instead of paid to `SLASH_POT`.
	pub static BurnSlashes: bool = false;
	/// Everything `OnSlash` received.
	pub static SlashedTotal: Balance = 0;
}

/// `OnSlash` for tests: counts what it gets, then pays it to `SLASH_POT` or burns it.
pub struct SlashSink;
impl OnUnbalanced<CreditOf<Test>> for SlashSink {
	fn on_nonzero_unbalanced(credit: CreditOf<Test>) {
		SlashedTotal::mutate(|total| *total += credit.peek());
		if !BurnSlashes::get() {
			let _ = <Balances as Balanced<AccountId>>::resolve(&SLASH_POT, credit);
		}
	}
}

impl pallet_ml_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type OnSlash = SlashSink;
	type SlashCancelOrigin = EnsureRoot<AccountId>;
	type MinBond = MinBond;
	type MinWorkerBond = MinWorkerBond;
	type UnbondingPeriod = UnbondingPeriod;
	type SlashDeferDuration = SlashDeferDuration;
	type LongestOffenceWindow = LongestOffenceWindow;
	type ActivationDelay = ActivationDelay;
	type MaxConsecutiveMisses = ConstU32<MAX_MISSES>;
	type LivenessSlashCap = LivenessSlashCap;
	type SlashRewardFraction = SlashRewardFraction;
	type ChallengeDeposit = ChallengeDeposit;
	type MaxUnbondingChunks = ConstU32<3>;
	type MaxWorkers = ConstU32<10>;
	type MaxTrackedOffences = ConstU32<MAX_TRACKED>;
	type MaxSlashesPerBlock = ConstU32<2>;
	type WeightInfo = ();
}

/// Builds test externalities: accounts 1..=20 funded, optional genesis workers (stash `who`
/// with worker key [`key`]`(who)`).
#[derive(Default)]
pub struct ExtBuilder {
	workers: Vec<(AccountId, Balance)>,
}

impl ExtBuilder {
	/// Bonds and registers these workers at genesis.
	pub fn workers(mut self, workers: &[(AccountId, Balance)]) -> Self {
		self.workers = workers.to_vec();
		self
	}

	pub fn build(self) -> TestExternalities {
		SlashDeferDuration::set(DEFER);
		BurnSlashes::set(false);
		SlashedTotal::set(0);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(AccountId, Balance)> = (1..=20).map(|who| (who, INITIAL_BALANCE)).collect();
		balances.push((SLASH_POT, 1));
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let workers = self.workers.iter().map(|(who, bond)| (*who, key(*who), *bond)).collect();
		pallet_ml_staking::GenesisConfig::<Test> { workers }.assimilate_storage(&mut storage).unwrap();
		let mut ext = TestExternalities::new(storage);
		// Events are not recorded in block 0.
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks every storage invariant.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Staking::do_try_state().expect("try_state after the test");
		});
	}
}

/// Advances to block `n`, running this pallet's `on_initialize` in every block and checking
/// the invariants after each.
pub fn run_to_block(n: BlockNumber) {
	modelchain_primitives::testing::run_to_block::<Test>(n, |block| {
		Staking::on_initialize(block);
		Staking::do_try_state().expect("try_state after a block");
	});
}

/// This pallet's events so far, oldest first.
pub fn staking_events() -> Vec<pallet_ml_staking::Event<Test>> {
	modelchain_primitives::testing::events::<Test, _>(|event| match event {
		RuntimeEvent::Staking(event) => Some(event),
		_ => None,
	})
}
