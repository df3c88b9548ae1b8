//! # ModelChain bounties
//!
//! Machine-learning competitions nobody can rig (DESIGN §7). A requester posts a task (input
//! and output shape, metric, minimum score), escrows a reward and an evaluation fee, and
//! commits its whole labelled dataset as salted hashes of chunks. The phases, each ending at a
//! block deadline that the block hook (or anyone, through `advance`) enforces with bounded
//! work:
//!
//! 1. **Split**: in the block after creation the chain draws which chunks are the secret test
//!    set (and a public validation set) from randomness that did not exist when they were
//!    committed, so the requester cannot pick an easy or a hard split.
//! 2. **Data**: the requester reveals the training and validation chunks (checked against
//!    their commitments), or loses its deposit and the bounty is cancelled.
//! 3. **Submission**: trainers hold a stake and commit `hash(bounty, trainer, model, salt)`; a
//!    copied commitment names the wrong trainer and cannot be revealed.
//! 4. **Reveal**: the requester reveals the test chunks, trainers their models (preimages that
//!    must decode within the runtime's model bounds and fit the task). A trainer that does not
//!    reveal loses its stake; a requester that does not reveal the test set loses its deposit
//!    and its reward goes to the trainers who revealed.
//! 5. **Evaluation**: workers drawn as for predictions (through [`WorkerRegistry`], never a
//!    trainer or the requester) score every model on the test set in their off-chain workers
//!    and commit, then reveal, their scores; a quorum of identical scores fixes each score.
//!    Scores without a quorum, and challenged ones, are computed by the chain itself chunk by
//!    chunk (`verify_score`, or the block hook with spare weight), which also slashes whoever
//!    reported differently.
//! 6. **Finalize**: the best qualifying scores share the reward (ties to the earliest
//!    commitment), every honest trainer's stake comes back, right evaluators share the
//!    evaluation fee, the rest returns to the requester.
//!
//! See the crate's `README.md` for every money rule.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use extension::CheckScoreSubmissions;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;

mod dispatchable_impls;
mod evaluation;
pub mod extension;
mod hooks;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod runtime_api;
mod settlement;
pub mod split;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use modelchain_primitives::{models::ModelRegistry, traits::WorkerRegistry, Hash};
use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	modelchain_primitives::funds::BalanceOf<<T as Config>::Currency, <T as frame_system::Config>::AccountId>;

/// Log target of the pallet.
pub const LOG_TARGET: &str = "ml-bounties";

/// The domain of this pallet's tasks in offence reports: `TaskRef { domain, id }` with
/// `id = bounty << 32 | submission` for a score, `bounty << 32 | u32::MAX` for an evaluation
/// as a whole (liveness).
pub const TASK_DOMAIN: [u8; 4] = *b"bnty";

#[frame_support::pallet]
// The FRAME macros expand to `expect`s on values they construct themselves (storage prefixes,
// pallet info); the pallet's own logic lives outside this module, under the full lint wall.
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig, EnsureOrigin, QueryPreimage, Randomness, StorePreimage},
	};
	use frame_system::{
		offchain::{AppCrypto, CreateSignedTransaction},
		pallet_prelude::*,
	};
	use modelchain_nn::DatasetBounds;
	use modelchain_primitives::{calendar::CalendarState, queue::QueueBounds};
	use sp_runtime::{traits::BlakeTwo256, Perbill};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> + CreateSignedTransaction<Call<Self>>
	{
		/// ModelCoin. Rewards, fees, deposits and stakes are holds under [`HoldReason`].
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// The staked workers: evaluators are drawn from them and slashed through them.
		type Workers: WorkerRegistry<Self::AccountId, Balance = BalanceOf<Self>>;

		/// The model registry: its bounds are the bounds a submitted model must decode within.
		type Models: ModelRegistry<Self::AccountId, Balance = BalanceOf<Self>>;

		/// Where dataset chunks and models live (`pallet-preimage`); the bounty requests the
		/// blobs it depends on until it ends.
		type Preimages: QueryPreimage<H = BlakeTwo256> + StorePreimage;

		/// Source of the split and evaluator-draw seeds; `random` must return the block since
		/// which its output could be known (the runtime's choice and what a block author can
		/// still influence are in the README).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// The key the off-chain worker signs scores with (the worker key, `mlwk`).
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;

		/// Receives forfeited deposits and stakes (the treasury).
		type FeeSink: Get<Self::AccountId>;

		/// Held from the requester until it has revealed all its data, on top of
		/// `ChunkDeposit` per chunk; lost if it does not.
		#[pallet::constant]
		type BountyDeposit: Get<BalanceOf<Self>>;

		/// Deposit per committed chunk (its storage), on top of `BountyDeposit`.
		#[pallet::constant]
		type ChunkDeposit: Get<BalanceOf<Self>>;

		/// Longest metadata, in bytes.
		#[pallet::constant]
		type MaxMetadataLen: Get<u32>;

		/// Longest URI of a training chunk, in bytes.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;

		/// Most chunks a dataset is committed in (at most 128: verification tracks chunks in a
		/// 128-bit set).
		#[pallet::constant]
		type MaxChunks: Get<u32>;

		/// Most submissions a bounty may take.
		#[pallet::constant]
		type MaxSubmissions: Get<u32>;

		/// Most ranks a `TopN` payout may share the reward among.
		#[pallet::constant]
		type MaxWinners: Get<u32>;

		/// Most evaluators [`EvaluationParams`] may draw per bounty.
		#[pallet::constant]
		type MaxEvaluators: Get<u32>;

		/// May change [`EvaluationParams`] (root or governance).
		type ParametersOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Shortest data, submission and reveal period a bounty may set.
		#[pallet::constant]
		type MinPeriod: Get<BlockNumberFor<Self>>;

		/// Longest data, submission and reveal period a bounty may set.
		#[pallet::constant]
		type MaxPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks evaluators have to commit after their computation time, and again to reveal.
		#[pallet::constant]
		type ScoreWindow: Get<BlockNumberFor<Self>>;

		/// The longest challenge period a bounty may set (at least `MinPeriod`): at most half
		/// the worker registry's slash deferral, so the chain's recomputation of a challenged
		/// score can still clear the evaluators it proves right.
		#[pallet::constant]
		type MaxChallengePeriod: Get<BlockNumberFor<Self>>;

		/// Blocks an ended bounty is kept (for its leaderboard) before it is removed.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;

		/// Inference cost an evaluator's off-chain worker spends on bounties per block: the
		/// evaluation's computation time is its cost divided by this.
		#[pallet::constant]
		type OffchainEvalCostPerBlock: Get<u64>;

		/// Most inference cost one bounty's evaluation may take (`max_submissions ×
		/// test samples × max_model_cost` at most), so its computation time is bounded.
		#[pallet::constant]
		type MaxEvaluationCost: Get<u64>;

		/// The least evaluation fee a bounty must escrow per evaluator it will draw, per 10^9
		/// units of the worst-case cost of its evaluation (`max_model_cost × max_chunk_samples ×
		/// test_chunks × max_submissions`), rounded up. Evaluators compute for hours on the
		/// word of the requester and are slashed if they do not: the requester pays for that
		/// time up front, so it cannot make them work (or take the liveness slash) for nothing.
		#[pallet::constant]
		type MinEvaluationFeePerGigaCost: Get<BalanceOf<Self>>;

		/// Most inference cost of one on-chain verification step (one test chunk of one
		/// model): `max_chunk_samples × max_model_cost` must fit.
		#[pallet::constant]
		type MaxVerifyCost: Get<u64>;

		/// Bounds a test chunk's dataset blob is decoded within.
		#[pallet::constant]
		type DatasetBounds: Get<DatasetBounds>;

		/// Slashed from an evaluator whose score differs from the fixed one.
		#[pallet::constant]
		type WrongScoreSlash: Get<Perbill>;

		/// Slashed from an evaluator that did not commit and reveal in time.
		#[pallet::constant]
		type MissedScoreSlash: Get<Perbill>;

		/// Deadlines enforced in every block's `on_initialize`, whatever the block's load;
		/// later ones wait for the next block.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// Transaction pool priority of evaluators' score submissions ([`CheckScoreSubmissions`]),
		/// so they are included before their deadline whatever else is waiting.
		#[pallet::constant]
		type ScorePriority: Get<sp_runtime::transaction_validity::TransactionPriority>;

		/// Weight functions.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A bounty's reward and evaluation fee, held from the requester until it ends.
		#[codec(index = 0)]
		Escrow,
		/// The requester's deposit, held until it has revealed all its data.
		#[codec(index = 1)]
		RequesterDeposit,
		/// A trainer's stake per submission, held until the bounty ends.
		#[codec(index = 2)]
		TrainerStake,
	}

	/// How many evaluators new evaluations draw (`R`) and how many identical scores fix a score
	/// (`Q`). Unset: no evaluators are drawn and the chain computes every score itself.
	#[pallet::storage]
	pub type EvaluationParams<T: Config> = StorageValue<_, EvaluationParameters, OptionQuery>;

	/// The id the next bounty gets.
	#[pallet::storage]
	pub type NextBountyId<T: Config> = StorageValue<_, BountyId, ValueQuery>;

	/// Bounties, until `RetentionPeriod` blocks after they end.
	#[pallet::storage]
	pub type Bounties<T: Config> = StorageMap<_, Twox64Concat, BountyId, Bounty<T>, OptionQuery>;

	/// Each bounty's committed chunks, by index.
	#[pallet::storage]
	pub type Chunks<T: Config> = StorageDoubleMap<_, Twox64Concat, BountyId, Twox64Concat, u32, Chunk<T>, OptionQuery>;

	/// The chunk indices of each bounty's test set, in index order (after the split).
	#[pallet::storage]
	pub type TestSet<T: Config> = StorageMap<_, Twox64Concat, BountyId, BoundedVec<u32, T::MaxChunks>, OptionQuery>;

	/// Each bounty's submissions, by index.
	#[pallet::storage]
	pub type Submissions<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BountyId, Twox64Concat, SubmissionIndex, Submission<T>, OptionQuery>;

	/// The evaluation of each bounty past its reveal phase.
	#[pallet::storage]
	pub type Evaluations<T: Config> = StorageMap<_, Twox64Concat, BountyId, Evaluation<T>, OptionQuery>;

	/// The bounty each evaluator (stash) is evaluating: one at a time, so an evaluation's
	/// computation time is all its own.
	#[pallet::storage]
	pub type Evaluating<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BountyId, OptionQuery>;

	/// On-chain score computations in progress.
	#[pallet::storage]
	pub type Verifications<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BountyId, Twox64Concat, SubmissionIndex, Verification, OptionQuery>;

	/// Verifications the block hook works on with spare weight, oldest first.
	#[pallet::storage]
	pub type VerifyQueue<T: Config> = StorageMap<_, Twox64Concat, u64, (BountyId, SubmissionIndex), OptionQuery>;

	/// Head and tail of [`VerifyQueue`].
	#[pallet::storage]
	pub type VerifyQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Phase deadlines: `(block, bounty)` exists while the bounty's phase ends at that block.
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, BountyId, (), OptionQuery>;

	/// Where [`Deadlines`] processing stands.
	#[pallet::storage]
	pub type DeadlineState<T: Config> = StorageValue<_, CalendarState<BlockNumberFor<T>>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A bounty was posted; its reward, evaluation fee and deposit are held. Its split is
		/// drawn in the next block.
		BountyCreated {
			/// The bounty.
			bounty: BountyId,
			/// Who posted it.
			requester: T::AccountId,
			/// Its reward.
			reward: BalanceOf<T>,
		},
		/// The chain drew which chunks are test and validation data; the requester reveals the
		/// training and validation chunks by `deadline`.
		SplitDrawn {
			/// The bounty.
			bounty: BountyId,
			/// The test chunks' indices.
			test: Vec<u32>,
			/// The validation chunks' indices.
			validation: Vec<u32>,
			/// Last block for the data reveal.
			deadline: BlockNumberFor<T>,
		},
		/// The requester revealed a chunk.
		ChunkRevealed {
			/// The bounty.
			bounty: BountyId,
			/// The chunk's index.
			chunk: u32,
			/// Its role.
			role: ChunkRole,
			/// Its blob's hash.
			hash: Hash,
		},
		/// A phase began (submissions, reveals, evaluation, scored); it ends at `deadline`.
		PhaseStarted {
			/// The bounty.
			bounty: BountyId,
			/// The new phase.
			phase: Phase,
			/// When it ends.
			deadline: BlockNumberFor<T>,
		},
		/// A trainer committed a model and its stake is held.
		Submitted {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The trainer.
			trainer: T::AccountId,
		},
		/// A trainer withdrew a submission before the deadline; its stake was returned.
		Withdrawn {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
		},
		/// A trainer revealed its model.
		ModelRevealed {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The model blob's hash.
			blob_hash: Hash,
			/// Its inference cost per sample.
			cost: u64,
		},
		/// A trainer did not reveal its model: its stake went to the fee sink.
		StakeForfeited {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The stake lost.
			stake: BalanceOf<T>,
		},
		/// The requester did not reveal its data in time: its deposit went to the fee sink.
		/// `shared` of the reward went to the trainers who revealed (test data missing), the
		/// rest of its escrow came back.
		RequesterDefaulted {
			/// The bounty.
			bounty: BountyId,
			/// The deposit lost.
			deposit: BalanceOf<T>,
			/// The reward shared among revealed trainers.
			shared: BalanceOf<T>,
		},
		/// Evaluators were drawn; they commit by `commit_deadline`, reveal by the phase's
		/// deadline. Empty if none could be drawn: the chain verifies every score itself.
		EvaluatorsDrawn {
			/// The bounty.
			bounty: BountyId,
			/// The evaluators (stashes).
			evaluators: Vec<T::AccountId>,
			/// Last block for commitments.
			commit_deadline: BlockNumberFor<T>,
		},
		/// An evaluator committed to its scores.
		ScoresCommitted {
			/// The bounty.
			bounty: BountyId,
			/// The evaluator (stash).
			evaluator: T::AccountId,
		},
		/// An evaluator revealed its scores.
		ScoresRevealed {
			/// The bounty.
			bounty: BountyId,
			/// The evaluator (stash).
			evaluator: T::AccountId,
		},
		/// A submission's score was fixed by a quorum of evaluators, or is left to the chain
		/// (`score: None`).
		ScoreReported {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The quorum's score (`Some(None)`: the model fails on the test set); `None`: no
			/// quorum.
			score: Option<ScoreValue>,
		},
		/// A quorum score was challenged; the chain computes it.
		ScoreChallenged {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// Who challenged.
			challenger: T::AccountId,
		},
		/// The chain scored one test chunk of a submission.
		ChunkVerified {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The chunk's position in the test set.
			chunk: u32,
		},
		/// The chain computed a submission's score; evaluators who reported another were
		/// reported for `WrongScoreSlash`, those it proved right were cleared.
		ScoreVerified {
			/// The bounty.
			bounty: BountyId,
			/// The submission.
			submission: SubmissionIndex,
			/// The score.
			score: ScoreValue,
		},
		/// The bounty was paid out.
		BountyFinalized {
			/// The bounty.
			bounty: BountyId,
			/// `(submission, trainer, amount)` of every paid rank, best first.
			winners: Vec<(SubmissionIndex, T::AccountId, BalanceOf<T>)>,
			/// Returned to the requester (unassigned shares, unpaid evaluation fee).
			refunded: BalanceOf<T>,
		},
		/// The winning model was registered for predictions, as its trainer asked.
		WinnerListed {
			/// The bounty.
			bounty: BountyId,
			/// The winning submission.
			submission: SubmissionIndex,
			/// Its id in the model registry.
			model: modelchain_primitives::models::ModelId,
		},
		/// The winning model could not be registered (e.g. the trainer cannot pay the
		/// registration deposit); it can still be registered with `register_model`.
		WinnerNotListed {
			/// The bounty.
			bounty: BountyId,
			/// The winning submission.
			submission: SubmissionIndex,
			/// Why.
			error: DispatchError,
		},
		/// The bounty ended without a contest; everything held was returned (but a forfeited
		/// deposit, see `RequesterDefaulted`).
		BountyCancelled {
			/// The bounty.
			bounty: BountyId,
		},
		/// New evaluations use these parameters.
		EvaluationParametersSet {
			/// Evaluators and quorum.
			parameters: EvaluationParameters,
		},
		/// An ended bounty was removed after its retention period.
		BountyRemoved {
			/// The bounty.
			bounty: BountyId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No bounty with this id (it never existed or was removed after it ended).
		UnknownBounty,
		/// The terms are inconsistent: see the README's list (shape and metric must match,
		/// `1 ≤ test_chunks`, `test + validation < chunks`, periods within
		/// `MinPeriod..=MaxPeriod`, payout shares summing to 100 %, a positive reward,
		/// `1 ≤ max_submissions ≤ MaxSubmissions`, `max_model_cost` within the model bounds,
		/// `challenge_period` within `MinPeriod..=MaxChallengePeriod`).
		InvalidTerms,
		/// The evaluation these terms allow could cost more than `MaxEvaluationCost`, or one
		/// verification step more than `MaxVerifyCost`: lower `max_model_cost`,
		/// `max_chunk_samples`, `test_chunks` or `max_submissions`.
		EvaluationTooCostly,
		/// The evaluation fee does not pay the evaluators for the evaluation these terms allow:
		/// it must be at least `MinEvaluationFeePerGigaCost` per evaluator drawn per 10^9 units
		/// of `max_model_cost × max_chunk_samples × test_chunks × max_submissions` (the view
		/// function `min_evaluation_fee` computes it): raise the fee or lower those terms.
		EvaluationFeeTooLow,
		/// More chunks than `MaxChunks`, or too few for the split.
		WrongChunkCount,
		/// The caller cannot cover the reward, evaluation fee and deposit (or the trainer
		/// stake) with its free balance.
		InsufficientBalance,
		/// The bounty is not in the phase this call belongs to.
		WrongPhase,
		/// Only the bounty's requester may do this.
		NotRequester,
		/// No chunk with this index.
		UnknownChunk,
		/// This chunk cannot be revealed now: test chunks in the reveal phase, the others in
		/// the data phase.
		ChunkNotRevealable,
		/// The chunk is already revealed.
		AlreadyRevealed,
		/// The blob hash and salt do not match the commitment.
		CommitmentMismatch,
		/// The blob is not a preimage on chain: note it (`preimage.notePreimage`) first.
		BlobNotFound,
		/// The test chunk is not a dataset of the bounty's shape (input length, labels for
		/// the metric) within `DatasetBounds` and `max_chunk_samples`.
		InvalidDataset,
		/// The bounty has taken `max_submissions` submissions.
		TooManySubmissions,
		/// The requester cannot submit to its own bounty.
		RequesterCannotSubmit,
		/// No submission with this index.
		UnknownSubmission,
		/// Only the submission's trainer may do this.
		NotTrainer,
		/// The model is not valid within the model registry's bounds.
		InvalidModel,
		/// The model does not fit the bounty: input length, output shape or `max_model_cost`.
		ModelDoesNotFit,
		/// The caller's key is not the worker key of an evaluator of this bounty.
		NotEvaluator,
		/// The evaluator has already committed.
		AlreadyCommitted,
		/// Commitments are closed (every evaluator committed, or the commit window passed).
		CommitsClosed,
		/// Reveals open once every evaluator has committed or the commit window has passed.
		RevealsNotOpen,
		/// The evaluator did not commit, so it cannot reveal.
		NotCommitted,
		/// The number of scores differs from the number of evaluated submissions.
		WrongScoreCount,
		/// The submission's score is not being computed by the chain.
		NotVerifying,
		/// This test chunk of this submission is already verified.
		ChunkAlreadyVerified,
		/// The score is not a quorum score open to challenge (or the challenge window closed).
		NotChallengeable,
		/// The caller cannot cover the challenge deposit.
		CannotPayChallengeDeposit,
		/// The phase's deadline has not passed yet.
		DeadlineNotReached,
		/// Evaluation parameters must have `1 ≤ quorum ≤ evaluators ≤ MaxEvaluators` and
		/// `2 × quorum > evaluators`.
		InvalidParameters,
	}

	/// Evaluators and quorum of new evaluations.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Evaluators drawn per bounty; 0 leaves the parameters unset (the chain scores).
		pub evaluators: u32,
		/// Identical scores that fix a score.
		pub quorum: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.evaluators > 0 {
				let params = EvaluationParameters { evaluators: self.evaluators, quorum: self.quorum };
				assert!(Pallet::<T>::valid_parameters(&params), "invalid evaluation parameters in genesis: {params:?}");
				EvaluationParams::<T>::put(params);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::do_on_initialize(now)
		}

		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::do_on_idle(now, remaining)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::run_offchain_worker(now)
		}

		fn integrity_test() {
			Self::do_integrity_test()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Posts a bounty: the task and schedule (`terms`) and the whole labelled dataset as
		/// `chunk_commitment(blob hash, salt)` per chunk. Holds the reward and evaluation fee
		/// (escrow) and `BountyDeposit + ChunkDeposit × chunks`. In the next block the chain
		/// draws which chunks are test and validation data.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_bounty(chunks.len() as u32, metadata.len() as u32))]
		pub fn create_bounty(
			origin: OriginFor<T>,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
			terms: TermsOf<T>,
			chunks: BoundedVec<[u8; 32], T::MaxChunks>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_bounty(who, metadata, terms, chunks)
		}

		/// Reveals chunk `chunk` of the requester's dataset: the blob hash and salt of its
		/// commitment. Training and validation chunks in the data phase (a preimage on chain,
		/// or `uri` where to download it), test chunks in the reveal phase (a preimage on
		/// chain, checked to be a dataset of the bounty's shape). Revealing the last data
		/// chunk opens submissions.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::reveal_chunk(T::DatasetBounds::get().max_blob_len))]
		pub fn reveal_chunk(
			origin: OriginFor<T>,
			bounty: BountyId,
			chunk: u32,
			blob_hash: Hash,
			salt: [u8; 32],
			uri: Option<BoundedVec<u8, T::MaxUriLen>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_reveal_chunk(who, bounty, chunk, blob_hash, salt, uri)
		}

		/// Commits a model to a bounty in its submission phase:
		/// `model_commitment(bounty, caller, blob hash, salt)`. Holds the trainer stake.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit())]
		pub fn submit(origin: OriginFor<T>, bounty: BountyId, commitment: [u8; 32]) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit(who, bounty, commitment)
		}

		/// Withdraws a submission before submissions close; the stake comes back.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, bounty: BountyId, submission: SubmissionIndex) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who, bounty, submission)
		}

		/// Reveals the model of a submission in the reveal phase: the hash of its blob (a
		/// preimage on chain) and the salt of its commitment. The model must decode within the
		/// model registry's bounds and fit the bounty's shape and `max_model_cost`. With
		/// `list_fee`, a winning model is registered for predictions at that fee (owned by the
		/// trainer, holding its registration deposit) when the bounty pays out.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::reveal_model(T::Models::bounds().max_blob_len))]
		pub fn reveal_model(
			origin: OriginFor<T>,
			bounty: BountyId,
			submission: SubmissionIndex,
			blob_hash: Hash,
			salt: [u8; 32],
			list_fee: Option<BalanceOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_reveal_model(who, bounty, submission, blob_hash, salt, list_fee)
		}

		/// An evaluator's commitment to (then reveal of) its scores, one per evaluated
		/// submission, signed with its worker key (the off-chain worker sends these). Free
		/// when accepted.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_scores(T::MaxSubmissions::get(), T::MaxEvaluators::get()))]
		pub fn submit_scores(
			origin: OriginFor<T>,
			bounty: BountyId,
			submission: ScoreSubmission<T::MaxSubmissions>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_submit_scores(who, bounty, submission)
		}

		/// Challenges a quorum score while the bounty is scored and the challenge window is
		/// open, for the worker registry's fixed challenge deposit: the chain computes the
		/// score itself. If it differs, the deposit comes back, the evaluators who reported
		/// the wrong score are slashed (the challenger shares the reward) and those who had the
		/// right one are cleared; if not, the deposit is lost.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::challenge_score())]
		pub fn challenge_score(origin: OriginFor<T>, bounty: BountyId, submission: SubmissionIndex) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_challenge_score(who, bounty, submission)
		}

		/// Has the chain score test chunk `chunk` (its position in the test set) of a
		/// submission whose score it is computing (no quorum, or challenged). Anyone may call
		/// it, for free when it did the work; the block hook does the same with spare weight,
		/// so the work may be done already: a call refused before reading a blob pays for its
		/// checks only. The last chunk fixes the score and settles the evaluators and any
		/// challenge.
		#[pallet::call_index(7)]
		#[pallet::weight(Pallet::<T>::max_verify_weight())]
		pub fn verify_score(
			origin: OriginFor<T>,
			bounty: BountyId,
			submission: SubmissionIndex,
			chunk: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_verify_score(bounty, submission, chunk)
		}

		/// Sets how many evaluators new evaluations draw and how many identical scores fix a
		/// score: `1 ≤ quorum ≤ evaluators ≤ MaxEvaluators` and `2 × quorum > evaluators`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_evaluation_parameters())]
		pub fn set_evaluation_parameters(origin: OriginFor<T>, parameters: EvaluationParameters) -> DispatchResult {
			T::ParametersOrigin::ensure_origin(origin)?;
			ensure!(Self::valid_parameters(&parameters), Error::<T>::InvalidParameters);
			EvaluationParams::<T>::put(parameters);
			Self::deposit_event(Event::EvaluationParametersSet { parameters });
			Ok(())
		}

		/// Ends the bounty's current phase if its deadline has passed (the block hook does
		/// this too, a bounded number a block). Free when it did.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::advance(T::MaxSubmissions::get()))]
		pub fn advance(origin: OriginFor<T>, bounty: BountyId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_advance(bounty)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A bounty's phase, deadline and every submission with its score and rank.
		pub fn leaderboard(bounty: BountyId) -> Option<Leaderboard<T::AccountId, BlockNumberFor<T>>> {
			Pallet::<T>::build_leaderboard(bounty)
		}

		/// The least evaluation fee `terms` need under the current evaluation parameters (see
		/// `MinEvaluationFeePerGigaCost`); `None` if the terms' evaluation cost overflows.
		pub fn min_evaluation_fee(terms: TermsOf<T>) -> Option<BalanceOf<T>> {
			let evaluators = EvaluationParams::<T>::get().map_or(0, |p| p.evaluators);
			Pallet::<T>::evaluation_fee_for(&terms, evaluators)
		}

		/// The bounty `evaluator` (a stash) is evaluating, with its test chunks and evaluated
		/// submissions: what its off-chain worker scores.
		pub fn evaluation_of(evaluator: T::AccountId) -> Option<(BountyId, Evaluation<T>)> {
			let bounty = Evaluating::<T>::get(evaluator)?;
			Evaluations::<T>::get(bounty).map(|e| (bounty, e))
		}
	}
}
