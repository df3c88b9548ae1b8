//! A test runtime: frame_system, pallet_balances, the real pallet_preimage and this pallet,
//! with the mock worker registry and model registry of `modelchain-primitives`.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_ml_bounties, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::HoldConsideration, ConstU128, ConstU32, Hooks, LinearStoragePrice},
	weights::Weight,
};
use frame_system::EnsureRoot;
use modelchain_nn::{Dataset, DatasetBounds, Labels, Layer, Metric, Model};
use modelchain_primitives::{models::mock::MockModels, traits::mock::MockWorkers};
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances, pallet_preimage,
	sp_core::H256,
	sp_io::TestExternalities,
	sp_runtime::{
		generic::UncheckedExtrinsic,
		testing::{TestSignature, UintAuthorityId},
		traits::IdentityLookup,
		BuildStorage, Perbill,
	},
};

pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;
pub type Workers = MockWorkers<AccountId, Balance>;
/// Signed with a test key over the encoded call (the test runtime has no extensions).
pub type Extrinsic = UncheckedExtrinsic<AccountId, RuntimeCall, TestSignature, ()>;
pub type Models = MockModels<AccountId, Balance>;

/// The committed digits classifier: input `[64]`, 10 classes, cost 4 096.
pub const DIGITS: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_mlp.bin");
/// Its labelled test set.
pub const DIGITS_TEST: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_test.bin");

pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const STAKE: Balance = 10_000;
pub const BOUNTY_DEPOSIT: Balance = 100;
pub const CHUNK_DEPOSIT: Balance = 10;
pub const REWARD: Balance = 10_000;
pub const TRAINER_STAKE: Balance = 1_000;
pub const EVALUATION_FEE: Balance = 300;
/// The least evaluation fee per evaluator per 10^9 cost units: the default terms' worst-case
/// evaluation (10,000 × 100 × 2 × 4 = 8 × 10^6) needs exactly `EVALUATION_FEE` for three.
pub const EVALUATION_PRICE: Balance = 12_500;
pub const PERIOD: BlockNumber = 5;
pub const SCORE_WINDOW: BlockNumber = 2;
pub const CHALLENGE_WINDOW: BlockNumber = 3;
pub const RETENTION: BlockNumber = 10;
/// Chunks of every test bounty: 6, of which the split draws 2 test and 1 validation.
pub const CHUNKS: u32 = 6;

pub const REQUESTER: AccountId = 1;
pub const FEE_SINK: AccountId = 99;
/// The three evaluators (stashes) of the default registry, in draw order; their worker keys
/// are `stash + 10`.
pub const EVALUATORS: [AccountId; 3] = [11, 12, 13];

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Preimage: pallet_preimage,
		MlBounties: pallet_ml_bounties,
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
	type Public = UintAuthorityId;
	type Signature = TestSignature;
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
		public: UintAuthorityId,
		account: AccountId,
		_nonce: <Test as frame_system::Config>::Nonce,
	) -> Option<Extrinsic> {
		use codec::Encode;
		let signature = C::sign(&call.encode(), public)?;
		Some(Extrinsic::new_signed(call, account, signature, ()))
	}
}

/// The test keys (`UintAuthorityId::set_all_keys` puts them in the "keystore").
pub struct TestAuthId;

impl frame_system::offchain::AppCrypto<UintAuthorityId, TestSignature> for TestAuthId {
	type RuntimeAppPublic = UintAuthorityId;
	type GenericSignature = TestSignature;
	type GenericPublic = UintAuthorityId;
}

parameter_types! {
	pub const PreimageHoldReason: RuntimeHoldReason = RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
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
		LinearStoragePrice<ConstU128<5>, ConstU128<1>, Balance>,
	>;
}

parameter_types! {
	pub const MinPeriod: BlockNumber = 2;
	pub const MaxPeriod: BlockNumber = 100;
	pub const ScoreWindow: BlockNumber = SCORE_WINDOW;
	pub const MaxChallengePeriod: BlockNumber = 20;
	pub const RetentionPeriod: BlockNumber = RETENTION;
	pub const WrongScoreSlash: Perbill = Perbill::from_percent(10);
	pub const MissedScoreSlash: Perbill = Perbill::from_percent(1);
	pub const TestDatasetBounds: DatasetBounds =
		DatasetBounds { max_blob_len: 64 * 1024, max_samples: 4_096, max_input_len: 4_096, max_outputs: 16 };
	pub FeeSink: AccountId = FEE_SINK;
	/// Changeable per test: `Some(block)` makes the randomness known only since `block`.
	pub static FreezeRandomness: Option<BlockNumber> = None;
	/// Changeable per test: an evaluator's off-chain budget per block.
	pub static OffchainEvalBudget: u64 = 30_000_000;
}

std::thread_local! {
	static RANDOMNESS: std::cell::RefCell<[u8; 32]> = const { std::cell::RefCell::new([0; 32]) };
}

/// Sets the secret the test randomness mixes in from now on.
pub fn set_randomness(secret: [u8; 32]) {
	RANDOMNESS.with(|r| *r.borrow_mut() = secret);
}

/// Randomness known from the current block on (like the runtime's parent-hash source),
/// unless frozen by `FreezeRandomness`.
pub struct TestRandomness;

impl frame_support::traits::Randomness<H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, BlockNumber) {
		use codec::Encode;
		let known_since = FreezeRandomness::get().unwrap_or_else(System::block_number);
		let secret = RANDOMNESS.with(|r| *r.borrow());
		(polkadot_sdk::sp_io::hashing::blake2_256(&(subject, secret, known_since).encode()).into(), known_since)
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = Workers;
	type Models = Models;
	type Preimages = Preimage;
	type Randomness = TestRandomness;
	type AuthorityId = TestAuthId;
	type FeeSink = FeeSink;
	type BountyDeposit = ConstU128<BOUNTY_DEPOSIT>;
	type ChunkDeposit = ConstU128<CHUNK_DEPOSIT>;
	type MaxMetadataLen = ConstU32<64>;
	type MaxUriLen = ConstU32<64>;
	type MaxChunks = ConstU32<16>;
	type MaxSubmissions = ConstU32<8>;
	type MaxWinners = ConstU32<3>;
	type MaxEvaluators = ConstU32<5>;
	type ParametersOrigin = EnsureRoot<AccountId>;
	type MinPeriod = MinPeriod;
	type MaxPeriod = MaxPeriod;
	type ScoreWindow = ScoreWindow;
	type MaxChallengePeriod = MaxChallengePeriod;
	type RetentionPeriod = RetentionPeriod;
	type OffchainEvalCostPerBlock = OffchainEvalBudget;
	type MaxEvaluationCost = frame_support::traits::ConstU64<100_000_000>;
	type MaxVerifyCost = frame_support::traits::ConstU64<10_000_000>;
	type MinEvaluationFeePerGigaCost = ConstU128<EVALUATION_PRICE>;
	type DatasetBounds = TestDatasetBounds;
	type WrongScoreSlash = WrongScoreSlash;
	type MissedScoreSlash = MissedScoreSlash;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type ScorePriority = frame_support::traits::ConstU64<{ 1 << 20 }>;
	type WeightInfo = ();
}

/// The digits test set, cut into `CHUNKS` chunks of 60 samples.
pub fn chunks() -> Vec<Dataset> {
	let all = Dataset::decode_blob(DIGITS_TEST, &DatasetBounds::default()).unwrap();
	let Labels::Class(labels) = &all.labels else { panic!("digits labels are classes") };
	let n_in = all.input_len as usize;
	(0..CHUNKS as usize)
		.map(|c| {
			let range = c * 60..(c + 1) * 60;
			Dataset {
				input_len: all.input_len,
				inputs: all.inputs[range.start * n_in..range.end * n_in].to_vec(),
				labels: Labels::Class(labels[range].to_vec()),
			}
		})
		.collect()
}

/// The salt of chunk `i`.
pub fn chunk_salt(i: u32) -> [u8; 32] {
	[i as u8 + 100; 32]
}

/// The blob hash the pallet sees for `blob`.
pub fn hash_of(blob: &[u8]) -> H256 {
	polkadot_sdk::sp_io::hashing::blake2_256(blob).into()
}

/// A worse digits model: the last dense layer's weights zeroed, so it always answers the same
/// class.
pub fn weak_model() -> Vec<u8> {
	let mut model = Model::decode_blob(DIGITS, &modelchain_nn::Bounds::default()).unwrap();
	let last = model.layers.iter_mut().rev().find_map(|l| if let Layer::Dense(d) = l { Some(d) } else { None });
	let dense = last.expect("the digits model ends in a dense layer");
	dense.weights.iter_mut().for_each(|w| *w = 0);
	model.encode_blob()
}

/// The default terms: digits (64 inputs, 10 classes), accuracy at least 50 %, two test and
/// one validation chunk of up to 100 samples, four submissions, winner takes all.
pub fn terms() -> TermsOf<Test> {
	Terms {
		input_len: 64,
		output: OutputShape::Classes(10),
		metric: Metric::Accuracy,
		min_score: 500_000,
		reward: REWARD,
		trainer_stake: TRAINER_STAKE,
		evaluation_fee: EVALUATION_FEE,
		test_chunks: 2,
		validation_chunks: 1,
		max_chunk_samples: 100,
		max_model_cost: 10_000,
		max_submissions: 4,
		data_period: PERIOD,
		submission_period: PERIOD,
		reveal_period: PERIOD,
		challenge_period: CHALLENGE_WINDOW,
		payout: Payout::WinnerTakesAll,
	}
}

/// Test state: accounts 1..=30 funded, three evaluators (11, 12, 13; keys 21, 22, 23) with
/// `STAKE` each, the mock model registry's bounds, fresh randomness.
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> TestExternalities {
		Workers::reset();
		Models::reset();
		Workers::set_workers(&EVALUATORS.map(|w| (w, STAKE)));
		for w in EVALUATORS {
			Workers::set_key(&w, &(w + 10));
		}
		Workers::set_longest_offence_window(1_000);
		Workers::set_slash_defer_duration(100);
		FreezeRandomness::set(None);
		OffchainEvalBudget::set(30_000_000);
		set_randomness([0; 32]);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=30).map(|n| (n, INITIAL_BALANCE)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_ml_bounties::GenesisConfig::<Test> { evaluators: 3, quorum: 2, _config: Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			// As in a real block 1: the hook runs before any call.
			MlBounties::on_initialize(1);
		});
		ext
	}

	/// Runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			MlBounties::integrity_test();
			test();
			MlBounties::do_try_state().expect("try_state holds after the test");
		})
	}
}

/// Moves to block `n`, running the pallet's `on_initialize` for each block on the way (no
/// `on_idle`: tests drive verification themselves, or call [`idle`]).
pub fn run_to_block(n: BlockNumber) {
	modelchain_primitives::testing::run_to_block::<Test>(n, |block| {
		MlBounties::on_initialize(block);
		MlBounties::do_try_state().expect("try_state after a block");
	});
}

/// Runs the pallet's `on_idle` with `weight` to spare.
pub fn idle(weight: Weight) -> Weight {
	let used = MlBounties::on_idle(System::block_number(), weight);
	MlBounties::do_try_state().expect("try_state after on_idle");
	used
}

/// The pallet's events so far, oldest first.
pub fn events() -> Vec<Event<Test>> {
	modelchain_primitives::testing::events::<Test, _>(|event| match event {
		RuntimeEvent::MlBounties(e) => Some(e),
		_ => None,
	})
}
