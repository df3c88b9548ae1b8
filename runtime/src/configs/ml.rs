//! The machine-learning market: worker staking, the model registry, prediction requests and
//! bounties, and the signing glue the market pallets' off-chain workers need.
//!
//! The values are the ones documented in the README's "ModelChain constants" table; the
//! runtime tests check the relations between them (`integrity_test`).

use crate::{configs::periods, *};
use codec::Encode;
use polkadot_sdk::{
	frame_support::{parameter_types, traits::ConstU32},
	frame_system::EnsureRoot,
	sp_runtime::{
		traits::{SaturatedConversion, StaticLookup, Verify},
		transaction_validity::TransactionPriority,
		Perbill,
	},
};

parameter_types! {
	/// The smallest non-zero bond: 10 MDC.
	pub const MinBond: Balance = 10 * MDC;
	/// The active bond a worker needs: 1,000 MDC, the price of one seat in the worker draw.
	pub const MinWorkerBond: Balance = 1_000 * MDC;
	/// Unbonded stake stays held and slashable for two days (`periods`: 45 blocks on the fast
	/// chains, like every period below).
	pub const UnbondingPeriod: BlockNumber = periods::UNBONDING_PERIOD;
	/// A slashing span is applied two hours after it opened (or after its latest cancellable
	/// report): longer than the one-hour challenge window, so a challenge that shows a
	/// dissenter right always arrives before the dissenter's slash, with an hour to spare in
	/// which governance (sudo) can cancel a wrong one.
	pub const SlashDeferDuration: BlockNumber = periods::SLASH_DEFER_DURATION;
	/// The longest any market pallet may take to prove an offence (a prediction's deadline
	/// plus its challenge window, a bounty's evaluation phase). The unbonding period must be
	/// longer than this plus the slash deferral.
	pub const LongestOffenceWindow: BlockNumber = periods::LONGEST_OFFENCE_WINDOW;
	/// A new worker waits ten minutes (100 blocks) before it can be drawn: far longer than
	/// any draw's look-ahead, so nobody registers into a draw it can predict.
	pub const ActivationDelay: BlockNumber = periods::ACTIVATION_DELAY;
	/// Liveness offences of one span take at most 2 % of the stake together.
	pub const LivenessSlashCap: Perbill = Perbill::from_percent(2);
	/// Challengers who proved an offence share 10 % of its slash.
	pub const SlashRewardFraction: Perbill = Perbill::from_percent(10);
	/// A challenge costs a 10 MDC deposit: lost if the result stands, returned if not.
	pub const ChallengeDeposit: Balance = 10 * MDC;
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
	type ActivationDelay = ActivationDelay;
	// Five misses in a row (no completed task in between) take a worker out of the draw.
	type MaxConsecutiveMisses = ConstU32<5>;
	type LivenessSlashCap = LivenessSlashCap;
	type SlashRewardFraction = SlashRewardFraction;
	type ChallengeDeposit = ChallengeDeposit;
	type MaxUnbondingChunks = ConstU32<32>;
	type MaxWorkers = ConstU32<1024>;
	// A wrong answer chills a worker at once, so a span's cancellable offences come from the
	// tasks it already held; 64 covers a full submission (32 answers) twice over.
	type MaxTrackedOffences = ConstU32<64>;
	// Spans due in one block beyond this wait for the next block; nothing is dropped.
	type MaxSlashesPerBlock = ConstU32<64>;
	type WeightInfo = pallet_ml_staking::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// What the runtime accepts as a model: blobs up to 4 MiB (pallet-preimage's limit), at
	/// most 50 million multiply-accumulates and a cost (`Model::cost`: every layer's work,
	/// pooling comparisons and lookups included) of at most 60 million, about 0.2 s of on-chain
	/// re-execution at the benchmarked rate. The predictions pallet's `integrity_test` checks
	/// that such a model fits one off-chain worker run and half a block's weight.
	pub const ModelBounds: modelchain_nn::Bounds = modelchain_nn::Bounds {
		max_blob_len: 4 * 1024 * 1024,
		max_layers: 64,
		max_parameters: 4 * 1024 * 1024,
		max_dimension: 65_536,
		max_tensor_len: 1 << 20,
		max_macs: 50_000_000,
		max_cost: 60_000_000,
	};
	/// Deposit per registered model: 1 MDC (the blob itself is paid for in pallet-preimage).
	pub const ModelDeposit: Balance = MDC;
	/// Deposit per byte of a model's metadata: 0.001 MDC.
	pub const MetadataDepositPerByte: Balance = MILLI_MDC;
}

impl pallet_ml_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Preimages = Preimage;
	type ModelBounds = ModelBounds;
	type MaxOutputLen = MaxOutputLen;
	type ModelDeposit = ModelDeposit;
	type MetadataDepositPerByte = MetadataDepositPerByte;
	type MaxMetadataLen = ConstU32<256>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_ml_models::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Answers are accepted for 10 blocks (one minute) after the draw.
	pub const AnswerWindow: BlockNumber = periods::ANSWER_WINDOW;
	/// With quorum 2 or more, workers commit within 4 blocks of the draw; reveals open as soon
	/// as all have committed (the next block, normally) or after those 4.
	pub const CommitWindow: BlockNumber = 4;
	/// A final result can be challenged for an hour.
	pub const ChallengeWindow: BlockNumber = periods::CHALLENGE_WINDOW;
	/// Final results are kept for a day.
	pub const RetentionPeriod: BlockNumber = periods::RETENTION_PERIOD;
	/// Regression outputs carry at most 1,024 values.
	pub const MaxOutputLen: u32 = 1024;
	pub const WrongAnswerSlash: Perbill = Perbill::from_percent(10);
	pub const MissedAnswerSlash: Perbill = Perbill::from_percent(1);
	/// About 0.1-0.4 s of native inference per block.
	pub const OffchainCostPerBlock: u64 = 200_000_000;
	/// Answers go before ordinary transactions, so they make their deadline.
	pub const AnswerPriority: TransactionPriority = TransactionPriority::MAX / 2;
	/// A worker holds at most 64 open assignments: each takes a commitment and a reveal, and
	/// its off-chain worker sends 32 entries a block, so it commits them all in half the
	/// 4-block commit window and reveals them all in half the answer window.
	pub const MaxAssignmentsPerWorker: u32 = 64;
	/// A block takes prediction requests of at most 1,024 seats in all (1,024 requests at
	/// R = 1, 341 at R = 3); their draws run in the next block's hook, within a third of a block
	/// (`integrity_test`).
	pub const MaxPendingSeats: u32 = 1024;
	/// `request_predictions` makes at most 64 requests: 4 KB of call for the digits model's
	/// 64-value inputs, its fixed work shared 64 ways, a full batch within `MaxPendingSeats` at
	/// any redundancy (64 × 16).
	pub const MaxRequestsPerCall: u32 = 64;
	/// A request and its result (kept a day) hold 0.01 MDC plus 1 micro-MDC per input value:
	/// about what `pallet-preimage` asks for the same bytes.
	pub const RequestDeposit: Balance = 10 * MILLI_MDC;
	pub const DepositPerInputByte: Balance = MICRO_MDC;
	/// Half the worker fees of a request that fails are not refunded: they go to the treasury,
	/// so flooding the workers is never free.
	pub const UnrefundedShare: Perbill = Perbill::from_percent(50);
}

/// The worker draw's randomness on ModelChain: the hash of the previous block mixed with the
/// subject, known from the current block on.
///
/// A request is drawn in the block after its own, so its seed is the hash of the block that
/// contains it: the requester cannot know it when it submits. The author of that block can:
/// by reordering or leaving out transactions it can try several block hashes before sealing,
/// and pick the draw it likes for the requests in its block. It must be an authority (Aura),
/// every try is a block it must build, and a draw only helps it if it also controls a quorum
/// of the workers it can choose among; the README says so. A VRF source (BABE's per-block
/// randomness) can replace this type without touching the pallet.
pub struct ParentHashRandomness;

impl polkadot_sdk::frame_support::traits::Randomness<Hash, BlockNumber> for ParentHashRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		use polkadot_sdk::sp_runtime::traits::Hash as _;
		let parent = System::parent_hash();
		(polkadot_sdk::sp_runtime::traits::BlakeTwo256::hash_of(&(subject, parent)), System::block_number())
	}
}

impl pallet_ml_predictions::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = MlStaking;
	type Models = MlModels;
	type Randomness = ParentHashRandomness;
	type AuthorityId = modelchain_primitives::worker_key::WorkerAuthId;
	type ParametersOrigin = EnsureRoot<AccountId>;
	type AnswerWindow = AnswerWindow;
	type CommitWindow = CommitWindow;
	type ChallengeWindow = ChallengeWindow;
	type RetentionPeriod = RetentionPeriod;
	type MaxInputLen = ConstU32<4096>;
	type MaxOutputLen = MaxOutputLen;
	type MaxRedundancy = ConstU32<16>;
	type MaxAnswersPerSubmission = ConstU32<32>;
	type MaxQueueWorkPerBlock = ConstU32<16>;
	type MaxPendingSeats = MaxPendingSeats;
	type MaxRequestsPerCall = MaxRequestsPerCall;
	type RequestDeposit = RequestDeposit;
	type DepositPerInputByte = DepositPerInputByte;
	type UnrefundedShare = UnrefundedShare;
	type FeeSink = configs::monetary::TreasuryAccount;
	type MaxAssignmentsPerWorker = MaxAssignmentsPerWorker;
	type WrongAnswerSlash = WrongAnswerSlash;
	type MissedAnswerSlash = MissedAnswerSlash;
	type OffchainCostPerBlock = OffchainCostPerBlock;
	type AnswerPriority = AnswerPriority;
	type WeightInfo = pallet_ml_predictions::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A requester holds 10 MDC until it has revealed all its data (lost if it does not), plus
	/// 0.1 MDC per committed chunk for its storage.
	pub const BountyDeposit: Balance = 10 * MDC;
	pub const ChunkDeposit: Balance = 100 * MILLI_MDC;
	/// Bounty phases last at least 5 blocks (30 s: whoever takes part sees the terms first)
	/// and at most four weeks.
	pub const MinBountyPeriod: BlockNumber = periods::MIN_BOUNTY_PERIOD;
	pub const MaxBountyPeriod: BlockNumber = 28 * DAYS;
	/// Evaluators get 20 blocks (two minutes) to commit after their computation time, and 20
	/// more to reveal.
	pub const ScoreWindow: BlockNumber = periods::SCORE_WINDOW;
	/// A bounty lets quorum scores be challenged for at most an hour: half the slash deferral,
	/// so the chain's recomputation has the other hour to clear evaluators it proves right.
	pub const MaxScoreChallengePeriod: BlockNumber = periods::MAX_SCORE_CHALLENGE_PERIOD;
	/// An ended bounty (its leaderboard) is kept for a week.
	pub const BountyRetention: BlockNumber = periods::BOUNTY_RETENTION;
	/// An evaluator's off-chain worker spends as much on bounties per block as on predictions.
	pub const OffchainEvalCostPerBlock: u64 = periods::OFFCHAIN_EVAL_COST_PER_BLOCK;
	/// A bounty's evaluation takes at most 3,600 blocks (six hours) of computation at half the
	/// budget: 3.6e11 cost units (the digits model on 10,000 samples is 4.1e7).
	pub const MaxEvaluationCost: u64 = periods::MAX_EVALUATION_COST;
	/// A bounty escrows at least 1 MDC per evaluator per 10^9 cost units of its worst-case
	/// evaluation (five blocks of an evaluator's off-chain budget): the costliest evaluation
	/// pays each evaluator 360 MDC for up to six hours, the digits model on 10,000 samples
	/// 0.041 MDC. Requesters pay for the work they order, whether or not models are revealed.
	pub const MinEvaluationFeePerGigaCost: Balance = MDC;
	/// One on-chain verification step (a model on a test chunk) costs at most 5e7 cost units,
	/// under the model registry's 6e7 for a single challenge.
	pub const MaxVerifyCost: u64 = 50_000_000;
	/// Test chunks are dataset blobs of at most 4 MiB (a preimage), 65,536 samples, inputs as
	/// long as a prediction's and outputs as a model's.
	pub const BountyDatasetBounds: modelchain_nn::DatasetBounds = modelchain_nn::DatasetBounds {
		max_blob_len: 4 * 1024 * 1024,
		max_samples: 1 << 16,
		max_input_len: 4096,
		max_outputs: 1024,
	};
	pub const WrongScoreSlash: Perbill = Perbill::from_percent(10);
	pub const MissedScoreSlash: Perbill = Perbill::from_percent(1);
}

impl pallet_ml_bounties::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = MlStaking;
	type Models = MlModels;
	type Preimages = Preimage;
	type Randomness = ParentHashRandomness;
	type AuthorityId = modelchain_primitives::worker_key::WorkerAuthId;
	type FeeSink = configs::monetary::TreasuryAccount;
	type BountyDeposit = BountyDeposit;
	type ChunkDeposit = ChunkDeposit;
	type MaxMetadataLen = ConstU32<1024>;
	type MaxUriLen = ConstU32<256>;
	type MaxChunks = ConstU32<64>;
	type MaxSubmissions = ConstU32<32>;
	type MaxWinners = ConstU32<8>;
	type MaxEvaluators = ConstU32<16>;
	type ParametersOrigin = EnsureRoot<AccountId>;
	type MinPeriod = MinBountyPeriod;
	type MaxPeriod = MaxBountyPeriod;
	type ScoreWindow = ScoreWindow;
	type MaxChallengePeriod = MaxScoreChallengePeriod;
	type RetentionPeriod = BountyRetention;
	type OffchainEvalCostPerBlock = OffchainEvalCostPerBlock;
	type MaxEvaluationCost = MaxEvaluationCost;
	type MaxVerifyCost = MaxVerifyCost;
	type MinEvaluationFeePerGigaCost = MinEvaluationFeePerGigaCost;
	type DatasetBounds = BountyDatasetBounds;
	type WrongScoreSlash = WrongScoreSlash;
	type MissedScoreSlash = MissedScoreSlash;
	type MaxDeadlinesPerBlock = ConstU32<16>;
	// Scores and answers have deadlines that slash honest workers who miss them: both ahead
	// of ordinary transactions.
	type ScorePriority = AnswerPriority;
	type WeightInfo = pallet_ml_bounties::weights::SubstrateWeight<Runtime>;
}

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = UncheckedExtrinsic;
}

/// Off-chain workers sign like a wallet: the runtime's extensions, no tip, valid for 64
/// blocks from the block the worker ran on.
impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		public: <Signature as Verify>::Signer,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		let current = System::block_number().saturated_into::<u64>();
		let era = sp_runtime::generic::Era::mortal(64, current);
		let payload = SignedPayload::new(call, tx_extension(nonce, era)).ok()?;
		let signature = payload.using_encoded(|bytes| C::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		let address = <Runtime as frame_system::Config>::Lookup::unlookup(account);
		Some(UncheckedExtrinsic::new_signed(call, address, signature, extension))
	}
}
