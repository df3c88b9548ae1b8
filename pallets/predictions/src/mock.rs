//! A test runtime: frame_system, pallet_balances and this pallet, with the mock worker
//! registry and model registry of `modelchain-primitives`.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_ml_predictions, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, Hooks},
};
use frame_system::EnsureRoot;
use modelchain_primitives::{models::mock::MockModels, traits::mock::MockWorkers, worker_key::WorkerAuthId};
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances,
	sp_core::sr25519,
	sp_io::TestExternalities,
	sp_runtime::{
		generic::UncheckedExtrinsic,
		traits::{IdentifyAccount, IdentityLookup, Verify},
		AccountId32, BuildStorage, MultiSignature, MultiSigner, Perbill,
	},
};

pub type AccountId = AccountId32;
pub type Balance = u128;
pub type BlockNumber = u64;
/// Signed with the worker key over the encoded call (the test runtime has no extensions).
/// What the off-chain workers send: signed, and the only "extension" is the nonce, so tests
/// can read which nonce a transaction was signed with.
pub type Extrinsic = UncheckedExtrinsic<AccountId, RuntimeCall, MultiSignature, u32>;
pub type Workers = MockWorkers<AccountId, Balance>;
pub type Models = MockModels<AccountId, Balance>;

pub const FIXTURE: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_mlp.bin");
pub const MODEL_FEE: Balance = 100;
pub const WORKER_FEE: Balance = 10;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const STAKE: Balance = 10_000;
/// Storage deposit of a request, plus 1 per input value.
pub const REQUEST_DEPOSIT: Balance = 50;
pub const ANSWER_WINDOW: BlockNumber = 5;
pub const COMMIT_WINDOW: BlockNumber = 2;
pub const CHALLENGE_WINDOW: BlockNumber = 10;
pub const RETENTION: BlockNumber = 20;

/// Test accounts: `acc(1)`, `acc(2)`, ...
pub fn acc(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}
pub fn requester() -> AccountId {
	acc(1)
}
pub fn owner() -> AccountId {
	acc(2)
}
/// The three workers (stashes) of the default registry, in selection order.
pub fn workers() -> [AccountId; 3] {
	[acc(11), acc(12), acc(13)]
}
/// The worker key of stash `acc(n)`: `acc(n + 10)`.
pub fn key_of(worker: &AccountId) -> AccountId {
	let n = <AccountId as AsRef<[u8; 32]>>::as_ref(worker)[0];
	acc(n + 10)
}

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Predictions: pallet_ml_predictions,
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

impl frame_system::offchain::SigningTypes for Test {
	type Public = MultiSigner;
	type Signature = MultiSignature;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		public: MultiSigner,
		account: AccountId,
		nonce: u32,
	) -> Option<Extrinsic> {
		use codec::Encode;
		let signature = C::sign(&call.encode(), public)?;
		Some(Extrinsic::new_signed(call, account, signature, nonce))
	}
}

parameter_types! {
	pub const AnswerWindow: BlockNumber = ANSWER_WINDOW;
	/// Changeable per test.
	pub static TestCommitWindow: BlockNumber = COMMIT_WINDOW;
	pub const ChallengeWindow: BlockNumber = CHALLENGE_WINDOW;
	pub const RetentionPeriod: BlockNumber = RETENTION;
	pub const WrongAnswerSlash: Perbill = Perbill::from_percent(10);
	pub const MissedAnswerSlash: Perbill = Perbill::from_percent(1);
	/// Changeable per test.
	pub static OffchainCostPerBlock: u64 = 1_000_000;
	pub const AnswerPriority: u64 = 1 << 20;
	/// min(4 × 2 / 2, 4 × 5 / 4): the most `integrity_test` allows.
	pub const MaxAssignmentsPerWorker: u32 = 4;
	/// Three requests of three seats, nine of one (the workers have twelve seats); changeable
	/// per test.
	pub static MaxPendingSeats: u32 = 9;
	pub const RequestDeposit: Balance = REQUEST_DEPOSIT;
	pub const DepositPerInputByte: Balance = 1;
	pub const UnrefundedShare: Perbill = Perbill::from_percent(50);
	pub FeeSink: AccountId = acc(99);
	/// Changeable per test: `Some(block)` makes the randomness known only since `block`.
	pub static FreezeRandomness: Option<BlockNumber> = None;
}

std::thread_local! {
	static RANDOMNESS: std::cell::RefCell<[u8; 32]> = const { std::cell::RefCell::new([0; 32]) };
}

/// Sets the secret the test randomness mixes in from now on (as a new block's VRF output
/// would change it).
pub fn set_randomness(secret: [u8; 32]) {
	RANDOMNESS.with(|r| *r.borrow_mut() = secret);
}

/// Randomness known from the current block on (like the runtime's parent-hash source, which
/// is the hash of the block before), unless frozen by `FreezeRandomness`.
pub struct TestRandomness;

impl frame_support::traits::Randomness<polkadot_sdk::sp_core::H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (polkadot_sdk::sp_core::H256, BlockNumber) {
		use codec::Encode;
		let known_since = FreezeRandomness::get().unwrap_or_else(System::block_number);
		let secret = RANDOMNESS.with(|r| *r.borrow());
		let output = polkadot_sdk::sp_io::hashing::blake2_256(&(subject, secret, known_since).encode());
		(output.into(), known_since)
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = Workers;
	type Models = Models;
	type Randomness = TestRandomness;
	type AuthorityId = WorkerAuthId;
	type ParametersOrigin = EnsureRoot<AccountId>;
	type AnswerWindow = AnswerWindow;
	type CommitWindow = TestCommitWindow;
	type ChallengeWindow = ChallengeWindow;
	type RetentionPeriod = RetentionPeriod;
	type MaxInputLen = ConstU32<128>;
	type MaxOutputLen = ConstU32<16>;
	type MaxRedundancy = ConstU32<5>;
	type MaxAnswersPerSubmission = ConstU32<4>;
	type MaxQueueWorkPerBlock = ConstU32<3>;
	type MaxPendingSeats = MaxPendingSeats;
	type MaxRequestsPerCall = ConstU32<4>;
	type RequestDeposit = RequestDeposit;
	type DepositPerInputByte = DepositPerInputByte;
	type UnrefundedShare = UnrefundedShare;
	type FeeSink = FeeSink;
	type MaxAssignmentsPerWorker = MaxAssignmentsPerWorker;
	type WrongAnswerSlash = WrongAnswerSlash;
	type MissedAnswerSlash = MissedAnswerSlash;
	type OffchainCostPerBlock = OffchainCostPerBlock;
	type AnswerPriority = AnswerPriority;
	type WeightInfo = ();
}

/// The account of an sr25519 public key, as the runtime derives it.
pub fn account_of(public: sr25519::Public) -> AccountId {
	<MultiSignature as Verify>::Signer::from(public).into_account()
}

/// Test state: funded accounts 1..=20, three workers (11, 12, 13, keys 21, 22, 23) with `STAKE` each, the
/// digits model (id 0) owned by `owner()` with `MODEL_FEE`, redundancy 3 and quorum 2.
pub struct ExtBuilder {
	redundancy: u32,
	quorum: u32,
	offchain_budget: u64,
	pending_seats: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		ExtBuilder { redundancy: 3, quorum: 2, offchain_budget: 1_000_000, pending_seats: 9 }
	}
}

impl ExtBuilder {
	pub fn params(mut self, redundancy: u32, quorum: u32) -> Self {
		self.redundancy = redundancy;
		self.quorum = quorum;
		self
	}

	/// `OffchainCostPerBlock`: the benchmarks' largest models need more than the default, or
	/// the workers' capacity refuses them.
	// Only the benchmark test suite (feature `runtime-benchmarks`) calls it.
	#[allow(dead_code)]
	pub fn offchain_budget(mut self, budget: u64) -> Self {
		self.offchain_budget = budget;
		self
	}

	/// `MaxPendingSeats`: the benchmarks make the runtime's batches of requests in one block,
	/// which the unit tests' nine seats would spread over many.
	// Only the benchmark test suite (feature `runtime-benchmarks`) calls it.
	#[allow(dead_code)]
	pub fn pending_seats(mut self, seats: u32) -> Self {
		self.pending_seats = seats;
		self
	}

	pub fn build(self) -> TestExternalities {
		Workers::reset();
		Models::reset();
		Workers::set_workers(&workers().map(|w| (w, STAKE)));
		for w in workers() {
			Workers::set_key(&w, &key_of(&w));
		}
		Workers::set_longest_offence_window(100);
		OffchainCostPerBlock::set(self.offchain_budget);
		MaxPendingSeats::set(self.pending_seats);
		FreezeRandomness::set(None);
		set_randomness([0; 32]);
		Models::add(&owner(), FIXTURE.to_vec(), MODEL_FEE);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20).map(|n| (acc(n), INITIAL_BALANCE)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_ml_predictions::GenesisConfig::<Test> {
			redundancy: self.redundancy,
			quorum: self.quorum,
			worker_fee: WORKER_FEE,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Predictions::do_try_state().expect("try_state holds after the test");
		})
	}
}

/// Moves to block `n`, running the pallet's `on_initialize` for each block on the way.
pub fn run_to_block(n: BlockNumber) {
	modelchain_primitives::testing::run_to_block::<Test>(n, |block| {
		Predictions::on_initialize(block);
		Predictions::do_try_state().expect("try_state after a block");
	});
}

/// The pallet's events so far, oldest first.
pub fn events() -> Vec<Event<Test>> {
	modelchain_primitives::testing::events::<Test, _>(|event| match event {
		RuntimeEvent::Predictions(e) => Some(e),
		_ => None,
	})
}
