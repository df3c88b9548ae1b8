//! The bounty's records: its terms, its phase, its chunks, submissions, evaluation and
//! on-chain verification.

use crate::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::{BoundedVec, Get},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_nn::{Direction, Metric, MetricAccumulator};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

pub use crate::split::ChunkRole;

/// A bounty's id.
pub type BountyId = u32;
/// A submission's index in its bounty, in commitment order.
pub type SubmissionIndex = u32;
/// A score under the bounty's metric, or `None` if the model fails on the test set (it then
/// cannot win).
pub type ScoreValue = Option<u64>;

/// What a submitted model must output.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputShape {
	/// A class index below this count (the metric must be `Accuracy`).
	#[codec(index = 0)]
	Classes(u32),
	/// This many fixed-point regression values (the metric must be an error metric).
	#[codec(index = 1)]
	Regression(u32),
}

/// How the reward is shared among the best qualifying models.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxWinners))]
pub enum Payout<MaxWinners: Get<u32>> {
	/// The best model takes the whole reward.
	#[codec(index = 0)]
	WinnerTakesAll,
	/// The `i`-th best qualifying model takes share `i`; the shares sum to 100 %. Shares
	/// without a qualifying model go back to the requester.
	#[codec(index = 1)]
	TopN(BoundedVec<Perbill, MaxWinners>),
}

impl<MaxWinners: Get<u32>> Payout<MaxWinners> {
	/// The share of rank `i` (0 is the best).
	pub fn share(&self, rank: usize) -> Perbill {
		match self {
			Payout::WinnerTakesAll => {
				if rank == 0 {
					Perbill::one()
				} else {
					Perbill::zero()
				}
			}
			Payout::TopN(shares) => shares.get(rank).copied().unwrap_or_else(Perbill::zero),
		}
	}

	/// Whether the shares are non-empty and sum to exactly 100 %.
	pub fn is_valid(&self) -> bool {
		match self {
			Payout::WinnerTakesAll => true,
			Payout::TopN(shares) => {
				let total = shares.iter().try_fold(0u32, |sum, s| sum.checked_add(s.deconstruct()));
				!shares.is_empty() && total == Some(Perbill::one().deconstruct())
			}
		}
	}
}

/// What a requester posts: the task, the money and the schedule.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxWinners))]
// The bounds the NoBound derives need sit on the struct; the derives repeat them in their impls.
#[allow(clippy::multiple_bound_locations)]
pub struct Terms<
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxWinners: Get<u32>,
> {
	/// Elements of one model input (`i8`, quantized as the dataset's inputs are).
	pub input_len: u32,
	/// What a model outputs.
	pub output: OutputShape,
	/// How models are scored.
	pub metric: Metric,
	/// A model must score at least this well (at least it for accuracy, at most it for the
	/// error metrics) to be paid.
	pub min_score: u64,
	/// Paid to the best qualifying models; held from the requester until the bounty ends.
	pub reward: Balance,
	/// Held from each trainer per submission; lost if the trainer does not reveal its model.
	pub trainer_stake: Balance,
	/// Paid to the evaluators whose scores were right, shared equally; held from the
	/// requester until the bounty ends.
	pub evaluation_fee: Balance,
	/// How many of the committed chunks the chain draws as the secret test set.
	pub test_chunks: u32,
	/// How many it draws as a public validation set (0 for none).
	pub validation_chunks: u32,
	/// Most samples in one test chunk. `max_chunk_samples × max_model_cost` must fit one
	/// on-chain verification step.
	pub max_chunk_samples: u32,
	/// Most inference cost (`modelchain-nn` cost units) a submitted model may have.
	pub max_model_cost: u64,
	/// Most submissions the bounty takes.
	pub max_submissions: u32,
	/// Blocks after the split in which the requester reveals the training and validation
	/// chunks.
	pub data_period: BlockNumber,
	/// Blocks after the data is revealed in which trainers commit models.
	pub submission_period: BlockNumber,
	/// Blocks after submissions close in which the requester reveals the test chunks and
	/// trainers reveal their models.
	pub reveal_period: BlockNumber,
	/// Blocks after the scores are known in which a quorum score can be challenged (at most
	/// `MaxChallengePeriod`): trainers see it before they submit.
	pub challenge_period: BlockNumber,
	/// How the reward is shared.
	pub payout: Payout<MaxWinners>,
}

/// Where a bounty is in its life. Every phase but `Finalized` and `Cancelled` ends at the
/// bounty's `deadline`, enforced by the block hook or by anyone calling `advance`.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
	/// Created; the chain draws which chunks are test data in the next block.
	#[codec(index = 0)]
	Split,
	/// The requester reveals the training and validation chunks.
	#[codec(index = 1)]
	Data,
	/// Trainers commit models (and may withdraw).
	#[codec(index = 2)]
	Submission,
	/// The requester reveals the test chunks; trainers reveal their models.
	#[codec(index = 3)]
	Reveal,
	/// Waiting for the evaluators' draw.
	#[codec(index = 4)]
	Drawing,
	/// Evaluators commit to, then reveal, every model's score.
	#[codec(index = 5)]
	Evaluation,
	/// Scores are known; scores without a quorum are verified on chain; fixed scores may be
	/// challenged until the deadline.
	#[codec(index = 6)]
	Scored,
	/// Paid out; kept for `RetentionPeriod` blocks so the leaderboard can be read.
	#[codec(index = 7)]
	Finalized,
	/// Ended without a contest (the requester did not reveal its data, or nobody submitted);
	/// kept for `RetentionPeriod` blocks.
	#[codec(index = 8)]
	Cancelled,
}

impl Phase {
	/// Whether the bounty has ended.
	pub fn is_over(self) -> bool {
		matches!(self, Phase::Finalized | Phase::Cancelled)
	}
}

/// The terms type of a runtime.
pub type TermsOf<T> = Terms<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxWinners>;

/// A bounty.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Bounty<T: Config> {
	/// Who posted it and pays.
	pub requester: T::AccountId,
	/// Title, description, links (free-form, e.g. JSON or a URI).
	pub metadata: BoundedVec<u8, T::MaxMetadataLen>,
	/// The terms.
	pub terms: TermsOf<T>,
	/// Still held from the requester in escrow (reward and evaluation fee until the bounty
	/// ends; 0 after).
	pub escrow: BalanceOf<T>,
	/// Still held from the requester as its deposit: `BountyDeposit` plus `ChunkDeposit` per
	/// chunk until it has revealed everything (0 after).
	pub deposit: BalanceOf<T>,
	/// The current phase.
	pub phase: Phase,
	/// When the current phase ends (the block in which it is enforced).
	pub deadline: BlockNumberFor<T>,
	/// Block of creation (the split uses randomness determined after it).
	pub created_at: BlockNumberFor<T>,
	/// The evaluation parameters in force at creation, which the evaluation fee was checked
	/// against: the draw uses them, whatever governance sets later (`None`: the chain
	/// computes every score).
	pub evaluation: Option<EvaluationParameters>,
	/// Committed chunks.
	pub chunks: u32,
	/// Training and validation chunks revealed so far.
	pub data_revealed: u32,
	/// Test chunks revealed so far.
	pub test_revealed: u32,
	/// Test samples in the revealed test chunks.
	pub test_samples: u32,
	/// The index the next submission gets.
	pub next_submission: SubmissionIndex,
	/// Submissions not withdrawn.
	pub submissions: u32,
	/// Submissions whose model was revealed.
	pub revealed: u32,
}

/// A committed chunk of the requester's labelled data.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Chunk<T: Config> {
	/// [`chunk_commitment`] of the chunk's blob hash and a salt.
	pub commitment: [u8; 32],
	/// What the split made of it.
	pub role: ChunkRole,
	/// The revealed blob, once the requester reveals it.
	pub revealed: Option<RevealedChunk<T>>,
}

/// A revealed chunk: its blob's hash, where to get it, and (test chunks) its size.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct RevealedChunk<T: Config> {
	/// `blake2_256` of the dataset blob.
	pub hash: Hash,
	/// Where to download it (training and validation chunks only); `None`: it is a preimage
	/// on chain, requested by the bounty until it ends.
	pub uri: Option<BoundedVec<u8, T::MaxUriLen>>,
	/// Samples (test chunks; 0 for the others, which the chain does not decode).
	pub samples: u32,
	/// The blob's length (test chunks; 0 for the others).
	pub len: u32,
}

/// What a requester commits to for a chunk: `blake2_256` of a domain tag, the blob's hash and
/// a secret salt. The salt stops anyone from confirming a guessed chunk (small datasets are
/// easy to enumerate) before it is revealed.
pub fn chunk_commitment<Hash: Encode>(blob_hash: &Hash, salt: &[u8; 32]) -> [u8; 32] {
	polkadot_sdk::sp_io::hashing::blake2_256(&(b"modelchain/bounties/chunk", blob_hash, salt).encode())
}

/// What a trainer commits to: `blake2_256` of a domain tag, the bounty, the trainer, the
/// model blob's hash and a secret salt. It names the trainer, so a copied commitment cannot
/// be revealed by the copier.
pub fn model_commitment<AccountId: Encode, Hash: Encode>(
	bounty: BountyId,
	trainer: &AccountId,
	blob_hash: &Hash,
	salt: &[u8; 32],
) -> [u8; 32] {
	polkadot_sdk::sp_io::hashing::blake2_256(&(b"modelchain/bounties/model", bounty, trainer, blob_hash, salt).encode())
}

/// A trainer's submission.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Submission<T: Config> {
	/// Who submitted; paid if it wins.
	pub trainer: T::AccountId,
	/// [`model_commitment`] of the model.
	pub commitment: [u8; 32],
	/// Block of the commitment: among equal scores the earliest wins.
	pub committed_at: BlockNumberFor<T>,
	/// Still held from the trainer: the stake until the bounty ends (0 after it was
	/// returned, or lost because the trainer never revealed).
	pub stake: BalanceOf<T>,
	/// The revealed model.
	pub model: Option<RevealedModel>,
	/// If it wins: register it in the model registry, owned by the trainer, at this fee per
	/// prediction (set when revealing).
	pub list_fee: Option<BalanceOf<T>>,
	/// Its score, once evaluated.
	pub score: Option<ScoreState<T::AccountId>>,
}

/// A revealed model.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealedModel {
	/// `blake2_256` of the model blob (a preimage the bounty requests until it ends).
	pub blob_hash: Hash,
	/// The blob's length.
	pub blob_len: u32,
	/// Its inference cost per sample.
	pub cost: u64,
}

/// How a submission's score was fixed.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, PartialEq, Eq)]
pub enum ScoreState<AccountId> {
	/// A quorum of evaluators reported it; it may still be challenged.
	#[codec(index = 0)]
	Quorum(ScoreValue),
	/// No quorum: the chain computes it (`verify_score`, or the block hook with spare weight).
	#[codec(index = 1)]
	Unresolved,
	/// A quorum score challenged by `challenger`: the chain computes it.
	#[codec(index = 2)]
	Challenged {
		/// Who challenged (and holds the challenge deposit).
		challenger: AccountId,
		/// The quorum's score.
		quorum: ScoreValue,
	},
	/// Computed on chain.
	#[codec(index = 3)]
	Verified(ScoreValue),
}

impl<AccountId> ScoreState<AccountId> {
	/// The final score, if it is fixed (a quorum score may still be challenged).
	pub fn value(&self) -> Option<ScoreValue> {
		match self {
			ScoreState::Quorum(v) | ScoreState::Verified(v) => Some(*v),
			ScoreState::Unresolved | ScoreState::Challenged { .. } => None,
		}
	}
}

/// Whether `score` meets the terms' minimum under `metric`.
pub fn qualifies(metric: Metric, score: u64, min_score: u64) -> bool {
	match metric.direction() {
		Direction::HigherIsBetter => score >= min_score,
		Direction::LowerIsBetter => score <= min_score,
	}
}

/// The scores one evaluator reports, one per evaluated submission in [`Evaluation::submissions`]
/// order.
pub type ScoresOf<T> = BoundedVec<ScoreValue, <T as Config>::MaxSubmissions>;

/// What an evaluator submits: a commitment first, the scores with the salt once every
/// evaluator has committed or the commit window has passed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxSubmissions))]
pub enum ScoreSubmission<MaxSubmissions: Get<u32>> {
	/// [`scores_commitment`] of the scores.
	#[codec(index = 0)]
	Commit([u8; 32]),
	/// The committed scores and their salt.
	#[codec(index = 1)]
	Reveal(BoundedVec<ScoreValue, MaxSubmissions>, [u8; 32]),
}

/// The domain of evaluators' score commitments.
pub const SCORES_DOMAIN: &[u8] = b"modelchain/bounties/scores";

/// What an evaluator commits to for `bounty`: the shared commitment rule
/// ([`modelchain_primitives::quorum::commitment`]) over its scores.
pub fn scores_commitment<AccountId: Encode>(
	bounty: BountyId,
	evaluator: &AccountId,
	scores: &[ScoreValue],
	salt: &[u8; 32],
) -> [u8; 32] {
	modelchain_primitives::quorum::commitment(SCORES_DOMAIN, u64::from(bounty), evaluator, scores, salt)
}

/// A bounty's evaluation by drawn workers.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Evaluation<T: Config> {
	/// The submissions evaluated (those with a revealed model), in index order.
	pub submissions: BoundedVec<SubmissionIndex, T::MaxSubmissions>,
	/// The drawn evaluators (stashes); empty if none could be drawn (the chain then verifies
	/// every score itself).
	pub evaluators: BoundedVec<T::AccountId, T::MaxEvaluators>,
	/// Commitments so far.
	pub commitments: BoundedVec<(T::AccountId, [u8; 32]), T::MaxEvaluators>,
	/// Revealed scores so far.
	pub reveals: BoundedVec<(T::AccountId, ScoresOf<T>), T::MaxEvaluators>,
	/// Identical scores that fix a score (the parameters when the evaluators were drawn).
	pub quorum: u32,
	/// Last block for commitments; reveals open after it (or once all have committed).
	pub commit_deadline: BlockNumberFor<T>,
	/// Total inference cost of the evaluation (every model on every test sample).
	pub cost: u64,
	/// Block in which the draw was first tried (the end of the reveal phase); the draw gives
	/// up `ScoreWindow` blocks later.
	pub draw_since: BlockNumberFor<T>,
}

impl<T: Config> Evaluation<T> {
	/// Whether reveals are accepted at block `now`.
	pub fn reveals_open(&self, now: BlockNumberFor<T>) -> bool {
		modelchain_primitives::quorum::reveals_open(
			self.commitments.len(),
			self.evaluators.len(),
			Some(self.commit_deadline),
			now,
		)
	}

	/// The commitment of `who`, if it committed.
	pub fn commitment_of(&self, who: &T::AccountId) -> Option<[u8; 32]> {
		self.commitments.iter().find(|(w, _)| w == who).map(|(_, c)| *c)
	}

	/// The revealed scores of `who`, if it revealed.
	pub fn scores_of(&self, who: &T::AccountId) -> Option<&ScoresOf<T>> {
		self.reveals.iter().find(|(w, _)| w == who).map(|(_, s)| s)
	}
}

/// How many evaluators an evaluation draws and how many identical scores fix a score.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationParameters {
	/// Evaluators drawn per bounty (`R`).
	pub evaluators: u32,
	/// Identical scores that fix a score (`Q`).
	pub quorum: u32,
}

/// The on-chain computation of one submission's score, chunk by chunk.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
	/// Running totals over the chunks done.
	pub acc: MetricAccumulator,
	/// Bit `i` is set once test chunk `i` (in [`TestSet`] order) is done.
	pub done: u128,
	/// The model failed on some sample (its score is `None`).
	pub failed: bool,
}

/// One row of a bounty's leaderboard.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug, Clone, PartialEq, Eq)]
pub struct LeaderboardEntry<AccountId, BlockNumber> {
	/// The submission.
	pub submission: SubmissionIndex,
	/// Its trainer.
	pub trainer: AccountId,
	/// When it was committed (ties go to the earliest).
	pub committed_at: BlockNumber,
	/// Whether its model was revealed.
	pub revealed: bool,
	/// Its score, once evaluated.
	pub score: Option<ScoreState<AccountId>>,
	/// Its rank among qualifying scores (0 is the best), once its score is fixed.
	pub rank: Option<u32>,
}

/// A bounty's public state: phase, deadline and every submission's score and rank.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard<AccountId, BlockNumber> {
	/// The phase.
	pub phase: Phase,
	/// When it ends.
	pub deadline: BlockNumber,
	/// Every submission, in index order. (Not `entries`: polkadot.js renames struct fields that
	/// clash with `Map` methods, and apps would show `entries_`.)
	pub submissions: alloc::vec::Vec<LeaderboardEntry<AccountId, BlockNumber>>,
}
