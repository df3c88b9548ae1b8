//! # ModelChain prediction requests
//!
//! A user asks a registered model (see `pallet-ml-models`) for a prediction on an input. In
//! the next block the chain draws `R` staked workers with spare capacity (through
//! [`WorkerRegistry`]) from randomness that did not exist when the request was submitted;
//! each worker's off-chain worker runs the model with `modelchain-nn` (integer fixed-point, so
//! every honest node computes the same bits) and submits the output in signed transactions:
//! with `Q ≥ 2` a commitment first and the output once every worker is bound, so nobody can
//! copy an answer. When `Q` answers are identical the
//! result is final: the model owner and the agreeing workers are paid from the requester's held
//! fee, and differing answers are slashed. Past the deadline without quorum the requester is
//! refunded and silent workers get a liveness penalty. Anyone may challenge a final result
//! within a window, for a fixed deposit: the chain re-executes the inference and slashes
//! whoever was wrong.
//!
//! Answers are checked in the transaction pool by the [`CheckPredictionAnswers`] transaction
//! extension (assignment, deadline, duplicates, output form), and again at dispatch.
//!
//! See the crate's `README.md` for the exact fee and slash rules.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use extension::CheckPredictionAnswers;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod draw;
mod extension;
mod hooks;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
mod settlement;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use modelchain_primitives::{models::ModelRegistry, traits::WorkerRegistry};
use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	modelchain_primitives::funds::BalanceOf<<T as Config>::Currency, <T as frame_system::Config>::AccountId>;

/// Log target of the pallet and its off-chain worker.
pub const LOG_TARGET: &str = "ml-predictions";

/// The domain of this pallet's tasks in offence reports (`TaskRef { domain, id: request }`).
pub const TASK_DOMAIN: [u8; 4] = *b"pred";

#[frame_support::pallet]
// The FRAME macros expand to `expect`s on values they construct themselves (storage prefixes,
// pallet info); the pallet's own logic lives outside this module, under the full lint wall.
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig, EnsureOrigin, Randomness},
	};
	use frame_system::{
		offchain::{AppCrypto, CreateSignedTransaction},
		pallet_prelude::*,
	};
	use modelchain_primitives::models::ModelId;
	use sp_runtime::Perbill;

	/// 1: [`PendingSeats`] (`migrations::MigrateToV1`).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> + CreateSignedTransaction<Call<Self>>
	{
		/// ModelCoin. Fees are held from the requester under [`HoldReason::PredictionFee`] and
		/// paid out of that hold.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// The staked workers: who may be assigned, who is slashed.
		type Workers: WorkerRegistry<Self::AccountId, Balance = BalanceOf<Self>>;

		/// The registered models.
		type Models: ModelRegistry<Self::AccountId, Balance = BalanceOf<Self>>;

		/// Source of the worker-draw seed. A request's workers are drawn from the first output
		/// determined after the request's block (`random` must return the block from which its
		/// output could be known), so the requester cannot know its draw when it submits. The
		/// runtime's choice and what a block author can still influence are in the README.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// The key the off-chain worker signs answers with (the worker key, `mlwk`).
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;

		/// May change [`Parameters`] (root or governance).
		type ParametersOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks after the request in which answers are accepted (the request's block
		/// excluded, the deadline included).
		#[pallet::constant]
		type AnswerWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after the draw in which the workers of a request with quorum 2 or more commit
		/// to their outputs; reveals open when all have committed or this window has passed.
		/// Shorter than `AnswerWindow`.
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after finalization in which a result can be challenged.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;

		/// Blocks a final result is kept before it is pruned. At least `ChallengeWindow`.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;

		/// Longest input, in `i8` values.
		#[pallet::constant]
		type MaxInputLen: Get<u32>;

		/// Most regression values an answer may carry (the model registry's bound).
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;

		/// Largest redundancy `R` the parameters may set.
		#[pallet::constant]
		type MaxRedundancy: Get<u32>;

		/// Most answers in one `submit_predictions`.
		#[pallet::constant]
		type MaxAnswersPerSubmission: Get<u32>;

		/// Expired requests and old results handled in every block's `on_initialize` (each),
		/// whatever the block's load; `on_idle` handles more with the weight a block leaves.
		#[pallet::constant]
		type MaxQueueWorkPerBlock: Get<u32>;

		/// Most seats (each request's redundancy, summed) waiting for their draw, which the
		/// next block's hook makes: a block accepts requests until their seats reach this, the
		/// rest fail with `NetworkBusy`. Bounds the hook's draw work by what it really is, the
		/// seats: `integrity_test` checks that drawing this many one-seat requests (the
		/// costliest mix) takes at most a third of a block.
		#[pallet::constant]
		type MaxPendingSeats: Get<u32>;

		/// Most requests one `request_predictions` makes. At most `MaxPendingSeats` (at a
		/// redundancy that makes the batch's seats exceed it, the batch fails `NetworkBusy`).
		#[pallet::constant]
		type MaxRequestsPerCall: Get<u32>;

		/// Most open assignments a worker holds: what its off-chain worker can commit in half
		/// the commit window and commit and reveal in half the answer window
		/// (`integrity_test` checks it against `MaxAnswersPerSubmission`). A worker at the cap
		/// is not drawn, so load never turns into missed answers.
		#[pallet::constant]
		type MaxAssignmentsPerWorker: Get<u32>;

		/// Held from the requester for the storage a request and then its result take: this
		/// plus `DepositPerInputByte` per input value, returned when the request fails or its
		/// result is pruned.
		#[pallet::constant]
		type RequestDeposit: Get<BalanceOf<Self>>;

		/// Storage deposit per input value (`i8`), on top of `RequestDeposit`.
		#[pallet::constant]
		type DepositPerInputByte: Get<BalanceOf<Self>>;

		/// Share of a failed request's worker fees that is not refunded (the request was drawn
		/// and the model still served), so flooding the workers is never free: paid to
		/// `FeeSink`, not to the workers that answered (without a quorum nobody knows who was
		/// right). Requests that fail through nobody's fault (no workers could be drawn, the
		/// model was retired) are refunded in full.
		#[pallet::constant]
		type UnrefundedShare: Get<Perbill>;

		/// Receives the unrefunded share of failed requests (the treasury).
		type FeeSink: Get<Self::AccountId>;

		/// Slashed from a worker whose answer differs from the final result.
		#[pallet::constant]
		type WrongAnswerSlash: Get<Perbill>;

		/// Slashed from an assigned worker that did not answer before the deadline.
		#[pallet::constant]
		type MissedAnswerSlash: Get<Perbill>;

		/// Most inference cost (`Model::cost` units) the off-chain worker spends per block.
		#[pallet::constant]
		type OffchainCostPerBlock: Get<u64>;

		/// Transaction pool priority of answer submissions, so they are included before their
		/// deadline.
		#[pallet::constant]
		type AnswerPriority: Get<TransactionPriority>;

		/// Weight functions, from the pallet's benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The fee of an open prediction request, held from the requester.
		#[codec(index = 0)]
		PredictionFee,
		/// The storage deposit of an open request or a kept result, held from the requester.
		#[codec(index = 1)]
		StorageDeposit,
	}

	/// Redundancy, quorum and worker fee of new requests.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, Parameters<BalanceOf<T>>, OptionQuery>;

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T: Config> = StorageValue<_, RequestId, ValueQuery>;

	/// Open requests, until they are final or expire.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>, OptionQuery>;

	/// Open assignments: `(worker, request)` exists while the worker may still answer. The
	/// off-chain worker reads its work from here.
	#[pallet::storage]
	pub type Assignments<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RequestId, (), OptionQuery>;

	/// Final results, kept for `RetentionPeriod` blocks after finalization.
	#[pallet::storage]
	pub type Results<T: Config> = StorageMap<_, Twox64Concat, RequestId, PredictionResult<T>, OptionQuery>;

	/// Open assignments and their inference cost per worker (stash): a worker is drawn only
	/// while this stays within `MaxAssignmentsPerWorker` and its cost capacity.
	#[pallet::storage]
	pub type WorkerLoad<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Load, ValueQuery>;

	/// Seats and inference cost of every open assignment plus those of requests waiting for
	/// their draw: compared with the drawable workers' capacity when a request is made.
	#[pallet::storage]
	pub type NetworkLoad<T: Config> = StorageValue<_, Load, ValueQuery>;

	/// Requests waiting for their workers, in request order; each is drawn in the block
	/// after its own, from randomness that did not exist when it was made.
	#[pallet::storage]
	pub type DrawQueue<T: Config> = StorageMap<_, Twox64Concat, u64, QueueEntry<BlockNumberFor<T>>, OptionQuery>;

	/// Head and tail of [`DrawQueue`].
	#[pallet::storage]
	pub type DrawQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Seats of the requests in [`DrawQueue`]: what the next block's draws assign, at most
	/// `MaxPendingSeats`.
	#[pallet::storage]
	pub type PendingSeats<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Requests in deadline order; each is checked for expiry after its deadline.
	#[pallet::storage]
	pub type ExpiryQueue<T: Config> = StorageMap<_, Twox64Concat, u64, QueueEntry<BlockNumberFor<T>>, OptionQuery>;

	/// Head and tail of [`ExpiryQueue`].
	#[pallet::storage]
	pub type ExpiryQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Results in finalization order; each is pruned `RetentionPeriod` blocks after it.
	#[pallet::storage]
	pub type PruneQueue<T: Config> = StorageMap<_, Twox64Concat, u64, QueueEntry<BlockNumberFor<T>>, OptionQuery>;

	/// Head and tail of [`PruneQueue`].
	#[pallet::storage]
	pub type PruneQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A prediction was requested and its `fee` held; its workers are drawn in the next
		/// block (`WorkersAssigned`).
		PredictionRequested {
			/// The request.
			request: RequestId,
			/// Who asked and pays.
			requester: T::AccountId,
			/// The model asked.
			model: ModelId,
			/// Held from the requester until the request settles.
			fee: BalanceOf<T>,
		},
		/// The request's workers were drawn; they must answer by block `deadline`.
		WorkersAssigned {
			/// The request.
			request: RequestId,
			/// The assigned workers (stashes), in draw order.
			workers: Vec<T::AccountId>,
			/// Last block in which answers are accepted.
			deadline: BlockNumberFor<T>,
		},
		/// No workers could be drawn within an answer window of the request (too few drawable
		/// workers with capacity, or no fresh randomness): the whole fee was returned.
		DrawFailed {
			/// The request.
			request: RequestId,
		},
		/// A worker committed to its output (quorum 2 or more); it reveals it later.
		AnswerCommitted {
			/// The request.
			request: RequestId,
			/// The worker (stash).
			worker: T::AccountId,
		},
		/// A worker answered (or revealed its committed answer).
		AnswerSubmitted {
			/// The request.
			request: RequestId,
			/// The worker (stash).
			worker: T::AccountId,
		},
		/// An answer in a submission was not accepted (the others were).
		AnswerRejected {
			/// The request.
			request: RequestId,
			/// The worker (stash).
			worker: T::AccountId,
			/// Why.
			reason: AnswerError,
		},
		/// `quorum` identical answers made the result final.
		PredictionReady {
			request: RequestId,
			model: ModelId,
			output: Prediction<T::MaxOutputLen>,
			agreeing: Vec<T::AccountId>,
		},
		/// No quorum: every worker answered and no answer reached quorum, or the deadline passed.
		/// The fee went back to the requester but for `kept` (the unrefunded share, paid to the
		/// fee sink); `missed` are the workers that never answered.
		PredictionFailed {
			/// The request.
			request: RequestId,
			/// The assigned workers that never answered.
			missed: Vec<T::AccountId>,
			/// The part of the fee not refunded.
			kept: BalanceOf<T>,
		},
		/// Re-execution on chain gave a different output: the result was corrected, the
		/// agreeing workers were reported (the challenger shares their slashes' reward) and
		/// `clawed_back` of their fees went back to the requester; the dissenters who had the
		/// right answer had their offences cancelled. The challenger's deposit was returned.
		ChallengeUpheld {
			request: RequestId,
			challenger: T::AccountId,
			output: Prediction<T::MaxOutputLen>,
			clawed_back: BalanceOf<T>,
		},
		/// Re-execution on chain confirmed the result: the challenger lost its `deposit`.
		ChallengeRejected { request: RequestId, challenger: T::AccountId, deposit: BalanceOf<T> },
		/// A result reached the end of its retention period and was removed.
		ResultPruned { request: RequestId },
		/// New requests use these parameters.
		ParametersSet { redundancy: u32, quorum: u32, worker_fee: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model with this id is registered (or it was retired).
		UnknownModel,
		/// The requester's free balance cannot cover the storage deposit on top of the fee.
		CannotPayDeposit,
		/// The input's length differs from the model's input length.
		WrongInputLength,
		/// The fee (`model fee + worker fee × redundancy`) exceeds `max_fee`.
		FeeAboveMax,
		/// The requester's free balance cannot cover the fee.
		InsufficientBalance,
		/// Fewer drawable workers than the redundancy.
		NotEnoughWorkers,
		/// The workers cannot take more work now (their open assignments and inference cost
		/// are at capacity, or this block's requests have taken `MaxPendingSeats` seats): try again in a
		/// few blocks.
		NetworkBusy,
		/// The parameters were never set (genesis or `set_parameters`).
		NoParameters,
		/// Parameters must have `1 ≤ quorum ≤ redundancy ≤ MaxRedundancy` and `2 × quorum > redundancy`.
		InvalidParameters,
		/// No answer of the submission was accepted; the reason is that of the first one (see
		/// `AnswerError`).
		InvalidAnswer(AnswerError),
		/// No final result with this id is kept.
		UnknownResult,
		/// The challenge window of this result has closed.
		ChallengeWindowClosed,
		/// This result was already re-executed on chain.
		AlreadyChallenged,
		/// The caller's free balance cannot cover the challenge deposit (lost if the result
		/// stands, returned if it is overturned).
		CannotPayChallengeDeposit,
		/// The model's blob is no longer kept, so it cannot be re-executed (cannot happen while
		/// the result is kept: a result keeps its model in use).
		ModelUnavailable,
		/// Re-execution failed in the engine (cannot happen for a registered model and an input
		/// of the right length).
		ExecutionFailed,
		/// The model's output does not fit `MaxOutputLen`.
		OutputTooLong,
		/// `request_predictions` was given no inputs: pass at least one.
		NoInputs,
	}

	/// Parameters of new requests.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Workers assigned to each request; 0 leaves the parameters unset (no requests until
		/// `set_parameters`).
		pub redundancy: u32,
		/// Identical answers that finalize a request.
		pub quorum: u32,
		/// Fee of each agreeing worker.
		pub worker_fee: BalanceOf<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.redundancy > 0 {
				let params =
					Parameters { redundancy: self.redundancy, quorum: self.quorum, worker_fee: self.worker_fee };
				assert!(Pallet::<T>::valid_parameters(&params), "invalid prediction parameters in genesis: {params:?}");
				Params::<T>::put(params);
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
		/// Asks `model` for a prediction on `input` (quantized `i8` values, as many as the
		/// model's input has). Holds `model fee + worker fee × redundancy` (at most `max_fee`);
		/// the workers are drawn in the next block from randomness that does not exist yet,
		/// among workers with spare capacity. Fails with `NetworkBusy` when they have none.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_prediction(input.len() as u32, T::MaxRedundancy::get()))]
		pub fn request_prediction(
			origin: OriginFor<T>,
			model: ModelId,
			input: BoundedVec<i8, T::MaxInputLen>,
			#[pallet::compact] max_fee: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (input_len, redundancy) = Self::do_request_predictions(who, model, alloc::vec![input], max_fee)?;
			Ok(Some(T::WeightInfo::request_prediction(input_len, redundancy)).into())
		}

		/// Submits the answers, commitments and reveals of the worker whose key signs (the
		/// off-chain worker sends these) for requests that worker is assigned to: with quorum 1
		/// the output itself, otherwise a commitment first and the output with its salt once
		/// reveals open. Entries no longer acceptable (the request settled, a window passed, the
		/// model was retired) are skipped with `AnswerRejected`; the rest count. Free unless an
		/// entry was the worker's own fault or none counted.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::max_submission_weight(answers.len() as u32))]
		pub fn submit_predictions(
			origin: OriginFor<T>,
			answers: BoundedVec<(RequestId, Submission<T::MaxOutputLen>), T::MaxAnswersPerSubmission>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_submit_predictions(who, answers)
		}

		/// Has the chain re-execute a final result within `ChallengeWindow`, for the staking
		/// pallet's fixed challenge deposit. If the result stands the deposit is lost. If not,
		/// the deposit comes back, the result is corrected, the agreeing workers are reported
		/// for `WrongAnswerSlash` (the caller shares the reward of their slashes) and their fees
		/// go back to the requester, and dissenters who had the right answer are cleared.
		/// Charged for the largest model the runtime accepts, refunded to the model's actual
		/// cost.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::max_challenge_weight())]
		pub fn challenge(origin: OriginFor<T>, request: RequestId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_challenge(who, request)
		}

		/// Asks `model` for a prediction on each of `inputs` (at most `MaxRequestsPerCall`), as
		/// many `request_prediction`s would, for less weight: the call's fixed work is shared.
		/// Each request holds the same fee (at most `max_fee_each`) and deposit, gets its own id
		/// (consecutive, in the order of `inputs`, each announced by `PredictionRequested`) and
		/// settles on its own. All or nothing: if any input has the wrong length, or the
		/// workers or this block cannot take all of them (`NetworkBusy`), or the balance cannot
		/// cover all the fees and deposits, nothing is requested.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::request_predictions(
			inputs.len() as u32,
			inputs.iter().map(|input| input.len() as u32).max().unwrap_or(0),
		))]
		pub fn request_predictions(
			origin: OriginFor<T>,
			model: ModelId,
			inputs: BoundedVec<BoundedVec<i8, T::MaxInputLen>, T::MaxRequestsPerCall>,
			#[pallet::compact] max_fee_each: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let count = inputs.len() as u32;
			let (input_len, _) = Self::do_request_predictions(who, model, inputs.into_inner(), max_fee_each)?;
			Ok(Some(T::WeightInfo::request_predictions(count, input_len)).into())
		}

		/// Sets redundancy, quorum and worker fee for new requests.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_parameters())]
		pub fn set_parameters(origin: OriginFor<T>, parameters: Parameters<BalanceOf<T>>) -> DispatchResult {
			T::ParametersOrigin::ensure_origin(origin)?;
			Self::do_set_parameters(parameters)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The final result of `request`, while it is kept.
		pub fn result(request: RequestId) -> Option<PredictionResult<T>> {
			Results::<T>::get(request)
		}

		/// The open request `request`.
		pub fn request(request: RequestId) -> Option<Request<T>> {
			Requests::<T>::get(request)
		}

		/// Requests `worker` is assigned to and has not answered yet.
		pub fn assignments(worker: T::AccountId) -> Vec<RequestId> {
			Assignments::<T>::iter_key_prefix(&worker).collect()
		}

		/// The open assignments and inference cost `worker` holds, and its cost capacity.
		pub fn worker_load(worker: T::AccountId) -> (Load, u64) {
			(WorkerLoad::<T>::get(worker), Pallet::<T>::worker_cost_capacity())
		}
	}
}
