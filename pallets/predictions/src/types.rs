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
	/// Held from the requester: `model_fee + worker_fee × workers`.
	pub held: BalanceOf<T>,
	/// Identical answers needed.
	pub quorum: u32,
	/// The assigned workers, in draw order.
	pub workers: BoundedVec<T::AccountId, T::MaxRedundancy>,
	/// Answers received so far, in arrival order.
	pub answers: BoundedVec<AnswerOf<T>, T::MaxRedundancy>,
	/// Last block in which answers are accepted.
	pub deadline: BlockNumberFor<T>,
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
	/// Block of finalization; a challenge is possible until `finalized_at + ChallengeWindow`.
	pub finalized_at: BlockNumberFor<T>,
	/// Whether the chain has re-executed it on a challenge (which settles it for good).
	pub challenged: bool,
}

/// Why an answer is not accepted. The same checks run in the transaction pool (as
/// `InvalidTransaction::Custom(code)`, the code being the discriminant) and at dispatch.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AnswerError {
	/// No open request has this id (never made, already final, or expired).
	RequestNotOpen = 1,
	/// The account is not assigned to the request, or has already answered it.
	NotAssigned = 2,
	/// The request's deadline has passed.
	TooLate = 3,
	/// The answer does not have the model's output form (class range or value count).
	MalformedAnswer = 4,
	/// The same request appears twice in one submission.
	DuplicateInSubmission = 5,
	/// A submission with no answers.
	EmptySubmission = 6,
	/// The signer is not any worker's key.
	NotAWorkerKey = 7,
}

/// An entry of the expiry or pruning queue: which request, and from which block on it is due.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug)]
pub struct QueueEntry<BlockNumber> {
	/// The request.
	pub request: RequestId,
	/// The first block in which the entry is processed.
	pub due: BlockNumber,
}

/// Head and tail of a FIFO queue stored as a map (`head` is the next entry to process,
/// `tail` the next free index). Entries are added in due-block order, because every entry
/// of a queue is due a constant number of blocks after it is added.
#[derive(
	Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug, Default,
)]
pub struct QueueBounds {
	/// Index of the oldest unprocessed entry.
	pub head: u64,
	/// Index the next entry gets.
	pub tail: u64,
}
