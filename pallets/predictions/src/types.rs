//! Types stored by the pallet and carried by its calls and events.

use crate::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::models::ModelId;
use scale_info::TypeInfo;

/// Identifies a prediction request. Assigned in request order, never reused.
pub type RequestId = u64;

/// An answer: the model's output on the request's input, as `modelchain-nn` computes it.
///
/// The stored form of [`modelchain_nn::Output`], bounded by the runtime's `MaxOutputLen`.
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
#[scale_info(skip_type_params(MaxOutputLen))]
pub enum Prediction<MaxOutputLen: Get<u32>> {
	/// The winning class index (argmax, ties to the lowest index).
	#[codec(index = 0)]
	Class(u32),
	/// Fixed-point values with 16 fractional bits (divide by 65,536 for the real value).
	#[codec(index = 1)]
	Regression(BoundedVec<i32, MaxOutputLen>),
}

impl<MaxOutputLen: Get<u32>> Prediction<MaxOutputLen> {
	/// The stored form of an engine output, or `None` if it has more than `MaxOutputLen`
	/// values.
	pub fn from_output(output: modelchain_nn::Output) -> Option<Self> {
		match output {
			modelchain_nn::Output::Class(c) => Some(Prediction::Class(c)),
			modelchain_nn::Output::Regression(v) => BoundedVec::try_from(v).ok().map(Prediction::Regression),
		}
	}

	/// `blake2_256` of the encoded answer: what a result keeps of a dissenting answer, enough
	/// to tell later whether it was the right one.
	pub fn digest(&self) -> [u8; 32] {
		polkadot_sdk::sp_io::hashing::blake2_256(&codec::Encode::encode(self))
	}

	/// Whether this answer has the form model outputs of `summary` take: a class below the
	/// class count, or exactly `output_len` regression values.
	pub fn fits<A, B>(&self, summary: &modelchain_primitives::models::ModelSummary<A, B>) -> bool {
		use modelchain_nn::OutputKind;
		match (self, summary.output) {
			(Prediction::Class(c), OutputKind::Class) => *c < summary.output_len,
			(Prediction::Regression(v), OutputKind::Regression { .. }) => v.len() as u32 == summary.output_len,
			_ => false,
		}
	}
}

/// What a worker submits for a request it is assigned to.
///
/// With quorum 1 (a single worker) the output is answered directly. With quorum 2 or more a
/// worker first commits to its output and reveals it once every assigned worker has committed
/// or the commit window has passed: no output is public before every worker is bound to its
/// own, so a lazy worker cannot copy a peer's answer.
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
#[scale_info(skip_type_params(MaxOutputLen))]
pub enum Submission<MaxOutputLen: Get<u32>> {
	/// The output, for a request with quorum 1.
	#[codec(index = 0)]
	Answer(Prediction<MaxOutputLen>),
	/// [`commitment`] of the output: `blake2_256` of the request, the worker (stash), the
	/// output and a secret salt.
	#[codec(index = 1)]
	Commit([u8; 32]),
	/// The committed output and its salt.
	#[codec(index = 2)]
	Reveal(Prediction<MaxOutputLen>, [u8; 32]),
}

impl<MaxOutputLen: Get<u32>> Submission<MaxOutputLen> {
	/// The output this submission makes public, if any.
	pub fn output(&self) -> Option<&Prediction<MaxOutputLen>> {
		match self {
			Submission::Answer(p) | Submission::Reveal(p, _) => Some(p),
			Submission::Commit(_) => None,
		}
	}
}

/// What a worker commits to for `request` (the shared rule,
/// [`modelchain_primitives::quorum::commitment`], under this pallet's domain): it binds the
/// worker, so copying another worker's commitment reveals nothing the copier can open.
pub fn commitment<AccountId: Encode, MaxOutputLen: Get<u32>>(
	request: RequestId,
	worker: &AccountId,
	output: &Prediction<MaxOutputLen>,
	salt: &[u8; 32],
) -> [u8; 32] {
	modelchain_primitives::quorum::commitment(COMMIT_DOMAIN, request, worker, output, salt)
}

/// The domain of prediction commitments.
pub const COMMIT_DOMAIN: &[u8] = b"modelchain/predictions/commit";

/// Network-wide settings of the prediction market, chosen at genesis and changed by
/// `ParametersOrigin`.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, PartialEq, Eq, Debug)]
pub struct Parameters<Balance> {
	/// Workers assigned to each request (`R`).
	pub redundancy: u32,
	/// Identical answers that finalize a request (`Q`). `2Q > R`, so at most one answer can
	/// ever reach quorum.
	pub quorum: u32,
	/// Paid to each worker whose answer is part of the quorum.
	pub worker_fee: Balance,
}

/// A worker's answer to a request: the worker (stash) and its output.
pub type AnswerOf<T> = (<T as frame_system::Config>::AccountId, Prediction<<T as Config>::MaxOutputLen>);

/// An open prediction request.
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
pub struct Request<T: Config> {
	/// Who asked and pays.
	pub requester: T::AccountId,
	/// The model asked.
	pub model: ModelId,
	/// The quantized input (`i8` values, as long as the model's input).
	pub input: BoundedVec<i8, T::MaxInputLen>,
	/// The model's owner when the request was made; receives `model_fee`.
	pub model_owner: T::AccountId,
	/// The model's fee when the request was made.
	pub model_fee: BalanceOf<T>,
	/// Fee of each agreeing worker.
	pub worker_fee: BalanceOf<T>,
	/// Held from the requester: `model_fee + worker_fee × redundancy`.
	pub held: BalanceOf<T>,
	/// Storage deposit held from the requester until the request fails or its result is
	/// pruned.
	pub deposit: BalanceOf<T>,
	/// Identical answers needed.
	pub quorum: u32,
	/// Workers to draw.
	pub redundancy: u32,
	/// What one assignment of this request costs a worker's off-chain worker: the model's
	/// inference cost plus its blob length (loading it). Counted against the worker's
	/// capacity while it is assigned.
	pub cost: u64,
	/// Block in which the request was made; its workers are drawn from randomness determined
	/// after it.
	pub requested_at: BlockNumberFor<T>,
	/// The assigned workers, in draw order; empty until the draw.
	pub workers: BoundedVec<T::AccountId, T::MaxRedundancy>,
	/// Commitments received so far (quorum 2 or more), in arrival order.
	pub commitments: BoundedVec<(T::AccountId, [u8; 32]), T::MaxRedundancy>,
	/// Answers received (or revealed) so far, in arrival order.
	pub answers: BoundedVec<AnswerOf<T>, T::MaxRedundancy>,
	/// Last block in which commitments are accepted (quorum 2 or more); reveals open the
	/// block after it, or as soon as every worker has committed. `None` until the draw.
	pub commit_deadline: Option<BlockNumberFor<T>>,
	/// Last block in which answers and reveals are accepted; `None` until the draw.
	pub deadline: Option<BlockNumberFor<T>>,
}

impl<T: Config> Request<T> {
	/// Whether `who` has committed.
	pub fn has_committed(&self, who: &T::AccountId) -> Option<[u8; 32]> {
		self.commitments.iter().find(|(w, _)| w == who).map(|(_, c)| *c)
	}

	/// Whether reveals are accepted at block `now`: every worker committed, or the commit
	/// window has passed.
	pub fn reveals_open(&self, now: BlockNumberFor<T>) -> bool {
		modelchain_primitives::quorum::reveals_open(
			self.commitments.len(),
			self.workers.len(),
			self.commit_deadline,
			now,
		)
	}

	/// Whether commitments are accepted at block `now`.
	pub fn commits_open(&self, now: BlockNumberFor<T>) -> bool {
		!self.reveals_open(now) && self.commit_deadline.is_some_and(|d| now <= d)
	}
}

/// A finalized prediction, kept for `RetentionPeriod` blocks.
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
pub struct PredictionResult<T: Config> {
	/// Who asked.
	pub requester: T::AccountId,
	/// The model asked.
	pub model: ModelId,
	/// The input, kept so anyone can check or challenge the answer.
	pub input: BoundedVec<i8, T::MaxInputLen>,
	/// The final answer (corrected by a successful challenge).
	pub output: Prediction<T::MaxOutputLen>,
	/// The workers whose answers formed the quorum (after an upheld challenge: the dissenters
	/// whose answer re-execution confirmed).
	pub agreeing: BoundedVec<T::AccountId, T::MaxRedundancy>,
	/// The workers whose answers differed, with the digest of each answer; cleared once a
	/// challenge settled the result.
	pub dissenting: BoundedVec<(T::AccountId, [u8; 32]), T::MaxRedundancy>,
	/// Fee each agreeing worker was paid; clawed back if a challenge overturns the result.
	pub worker_fee: BalanceOf<T>,
	/// Storage deposit held from the requester until the result is pruned.
	pub deposit: BalanceOf<T>,
	/// Block of finalization; a challenge is possible until `finalized_at + ChallengeWindow`.
	pub finalized_at: BlockNumberFor<T>,
	/// Whether the chain has re-executed it on a challenge (which settles it for good).
	pub challenged: bool,
}

/// Why an answer is not accepted. The same checks run in the transaction pool (as
/// `InvalidTransaction::Custom(code)`, the code being the discriminant) and at dispatch (as
/// the pallet error `InvalidAnswer`).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	frame_support::PalletError,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AnswerError {
	/// No open request has this id (never made, already final, or expired): nothing to do.
	RequestNotOpen = 1,
	/// The worker is not assigned to the request, or has already answered it.
	NotAssigned = 2,
	/// The request's deadline has passed.
	TooLate = 3,
	/// The answer does not have the model's output form (class range or value count): the
	/// worker's engine disagrees with the chain's; update the node.
	MalformedAnswer = 4,
	/// The same request appears twice in one submission.
	DuplicateInSubmission = 5,
	/// A submission with no answers.
	EmptySubmission = 6,
	/// The signer is not any worker's key: answers must be signed with the key the stash
	/// named in `mlStaking.setWorkerKey`.
	NotAWorkerKey = 7,
	/// The model was retired since the request; the request fails at its deadline without
	/// penalty.
	ModelRetired = 8,
	/// The request has quorum 2 or more: commit to the output first, reveal it later.
	CommitFirst = 9,
	/// The request has quorum 1: answer directly, there is nothing to commit to.
	AnswerDirectly = 10,
	/// The worker has already committed to this request.
	AlreadyCommitted = 11,
	/// Reveals open once every worker has committed or the commit window has passed.
	RevealTooEarly = 12,
	/// The worker did not commit in time, so it has nothing to reveal.
	NotCommitted = 13,
	/// The revealed output and salt do not match the worker's commitment.
	CommitmentMismatch = 14,
}

impl AnswerError {
	/// Whether the answer was only overtaken by events (the request settled or expired, the
	/// worker's earlier answer got in, the model was retired) rather than wrong in itself. A
	/// submission is still valid, and free, for its other answers.
	pub fn is_stale(self) -> bool {
		matches!(
			self,
			AnswerError::RequestNotOpen
				| AnswerError::NotAssigned
				| AnswerError::TooLate
				| AnswerError::ModelRetired
				| AnswerError::AlreadyCommitted
		)
	}
}

/// Work held by a worker (or by every worker together): open assignments and their cost in
/// inference-cost units (see [`Request::cost`]).
#[derive(
	Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug, Default,
)]
pub struct Load {
	/// Open assignments (seats).
	pub seats: u32,
	/// Their total cost.
	pub cost: u64,
}

impl Load {
	/// `self` plus `seats` seats of `cost` each, saturating.
	pub fn add(self, seats: u32, cost: u64) -> Self {
		Load {
			seats: self.seats.saturating_add(seats),
			cost: self.cost.saturating_add(cost.saturating_mul(u64::from(seats))),
		}
	}

	/// `self` minus `seats` seats of `cost` each, saturating at zero.
	pub fn sub(self, seats: u32, cost: u64) -> Self {
		Load {
			seats: self.seats.saturating_sub(seats),
			cost: self.cost.saturating_sub(cost.saturating_mul(u64::from(seats))),
		}
	}
}

/// An entry of the draw, expiry or pruning queue: which request, and from which block on it
/// is due.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug)]
pub struct QueueEntry<BlockNumber> {
	/// The request.
	pub request: RequestId,
	/// The first block in which the entry is processed.
	pub due: BlockNumber,
}

pub use modelchain_primitives::queue::QueueBounds;
