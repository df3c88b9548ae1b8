//! A test runtime: frame_system, pallet_balances, the real pallet_preimage and this pallet.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_ml_models};
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::HoldConsideration, ConstU128, ConstU32, LinearStoragePrice},
};
use frame_system::EnsureRoot;
use modelchain_nn::Bounds;
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances, pallet_preimage,
	sp_io::TestExternalities,
	sp_runtime::{traits::IdentityLookup, BuildStorage},
};

pub type AccountId = u64;
pub type Balance = u128;

/// Starting free balance of the test accounts 1..=20.
pub const INITIAL_BALANCE: Balance = 10_000;
pub const MODEL_DEPOSIT: Balance = 100;
pub const METADATA_DEPOSIT_PER_BYTE: Balance = 2;
pub const MAX_METADATA_LEN: u32 = 32;
pub const MAX_OUTPUT_LEN: u32 = 16;
pub const PREIMAGE_BASE_DEPOSIT: Balance = 5;
pub const PREIMAGE_BYTE_DEPOSIT: Balance = 1;

/// The committed digits classifier: input `[64]`, 10 classes, cost 4 096.
pub const DIGITS: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_mlp.bin");

/// Small bounds, so tests and the benchmark test suite stay fast and a model can exceed them
/// cheaply. The digits model fits.
pub const TEST_BOUNDS: Bounds = Bounds {
	max_blob_len: 64 * 1024,
	max_layers: 8,
	max_parameters: 64 * 1024,
	max_dimension: 4_096,
	max_tensor_len: 4_096,
	max_macs: 100_000,
	max_cost: 200_000,
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Preimage: pallet_preimage,
		MlModels: pallet_ml_models,
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
}

parameter_types! {
	pub const PreimageHoldReason: RuntimeHoldReason = RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// Changeable per test, to check registration and loading against other bounds.
	pub static ModelBounds: Bounds = TEST_BOUNDS;
	/// Changeable per test, to check that deposits follow the constants of their time.
	pub static TestModelDeposit: Balance = MODEL_DEPOSIT;
}

impl pallet_preimage::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<ConstU128<PREIMAGE_BASE_DEPOSIT>, ConstU128<PREIMAGE_BYTE_DEPOSIT>, Balance>,
	>;
}

impl pallet_ml_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Preimages = Preimage;
	type ModelBounds = ModelBounds;
	type MaxOutputLen = ConstU32<MAX_OUTPUT_LEN>;
	type ModelDeposit = TestModelDeposit;
	type MetadataDepositPerByte = ConstU128<METADATA_DEPOSIT_PER_BYTE>;
	type MaxMetadataLen = ConstU32<MAX_METADATA_LEN>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

/// A genesis model: owner, blob, fee, metadata.
pub type GenesisModel = (AccountId, Vec<u8>, Balance, Vec<u8>);

/// Builds test externalities: accounts 1..=20 funded, optional genesis models.
#[derive(Default)]
pub struct ExtBuilder {
	models: Vec<GenesisModel>,
}

impl ExtBuilder {
	/// Registers these models at genesis.
	pub fn models(mut self, models: Vec<GenesisModel>) -> Self {
		self.models = models;
		self
	}

	pub fn build(self) -> TestExternalities {
		ModelBounds::set(TEST_BOUNDS);
		TestModelDeposit::set(MODEL_DEPOSIT);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let balances = (1..=20).map(|who| (who, INITIAL_BALANCE)).collect();
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_ml_models::GenesisConfig::<Test> { models: self.models }.assimilate_storage(&mut storage).unwrap();
		let mut ext = TestExternalities::new(storage);
		// Events are not recorded in block 0.
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks every storage invariant.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			MlModels::do_try_state().expect("try_state after the test");
		});
	}
}

/// This pallet's events so far, oldest first.
pub fn model_events() -> Vec<pallet_ml_models::Event<Test>> {
	modelchain_primitives::testing::events::<Test, _>(|event| match event {
		RuntimeEvent::MlModels(event) => Some(event),
		_ => None,
	})
}
