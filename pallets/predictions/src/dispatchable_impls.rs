//! The calls' logic. Each checks everything before it writes anything; what the calls share
//! with the block hook (settling a request, drawing its workers) lives in `settlement` and
//! `draw`.

use crate::{draw::DrawQueueOf, *};
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::*,
	weights::Weight,
	BoundedVec,
};
use modelchain_primitives::{funds, models::ModelId, traits::TaskOutcome};
use sp_runtime::{
	traits::{CheckedMul, Saturating},
	DispatchError,
};

impl<T: Config> Pallet<T> {
	/// Requests a prediction from `model_id` for each of `inputs`, all at the same fee: the
	/// per-call state (parameters, model, network load, holds, request ids) is read and written
	/// once, each request adds only its own entry and its place in the draw queue. All or
	/// nothing: every input and the capacity for all of them are checked before anything is
	/// written. Returns the model's input length and the redundancy, for the call's weight.
	pub(crate) fn do_request_predictions(
		who: T::AccountId,
		model_id: ModelId,
		inputs: Vec<BoundedVec<i8, T::MaxInputLen>>,
		max_fee_each: BalanceOf<T>,
	) -> Result<(u32, u32), DispatchError> {
		// The callers bound the batch (`MaxRequestsPerCall`).
		let count = inputs.len() as u32;
		ensure!(count > 0, Error::<T>::NoInputs);
		let params = Params::<T>::get().ok_or(Error::<T>::NoParameters)?;
		let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;
		ensure!(inputs.iter().all(|input| input.len() as u32 == model.input_len), Error::<T>::WrongInputLength);
		let fee = Self::request_fee(model.fee, params.worker_fee, params.redundancy);
		ensure!(fee <= max_fee_each, Error::<T>::FeeAboveMax);
		let cost = Self::task_cost(model.cost, model.blob_len);
		let (load, pending) = Self::reserve_capacity(count, params.redundancy, cost)?;
		let first = NextRequestId::<T>::get();
		let deposit = Self::request_deposit(model.input_len);
		// A total that overflows the balance type is more than anyone holds.
		let fees = fee.checked_mul(&count.into()).ok_or(Error::<T>::InsufficientBalance)?;
		let deposits = deposit.checked_mul(&count.into()).ok_or(Error::<T>::CannotPayDeposit)?;
		funds::hold::<T::Currency, _>(&HoldReason::PredictionFee.into(), &who, fees)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		// The call's storage layer undoes the fee hold if this fails.
		funds::hold::<T::Currency, _>(&HoldReason::StorageDeposit.into(), &who, deposits)
			.map_err(|_| Error::<T>::CannotPayDeposit)?;
		// Only fails where `model` would have (the call's storage layer undoes the holds then):
		// each request keeps its model loadable until it settles, or its result is pruned.
		T::Models::acquire(model_id, count)?;

		let now = frame_system::Pallet::<T>::block_number();
		let due = now.saturating_add(1u32.into());
		NetworkLoad::<T>::put(load);
		PendingSeats::<T>::put(pending);
		NextRequestId::<T>::put(first.saturating_add(count.into()));
		let ids = (0..u64::from(count)).map(|k| first.saturating_add(k));
		DrawQueueOf::<T>::push_all(ids.clone().map(|request| QueueEntry { request, due }));
		for (id, input) in ids.zip(inputs) {
			Requests::<T>::insert(
				id,
				Request {
					requester: who.clone(),
					model: model_id,
					input,
					model_owner: model.owner.clone(),
					model_fee: model.fee,
					worker_fee: params.worker_fee,
					held: fee,
					deposit,
					quorum: params.quorum,
					redundancy: params.redundancy,
					cost,
					requested_at: now,
					workers: BoundedVec::new(),
					commitments: BoundedVec::new(),
					answers: BoundedVec::new(),
					commit_deadline: None,
					deadline: None,
				},
			);
			Self::deposit_event(Event::PredictionRequested {
				request: id,
				requester: who.clone(),
				model: model_id,
				fee,
			});
		}
		Ok((model.input_len, params.redundancy))
	}

	/// The storage deposit of a request with `input_len` input values: `RequestDeposit +
	/// DepositPerInputByte × input_len`, saturating.
	pub fn request_deposit(input_len: u32) -> BalanceOf<T> {
		T::RequestDeposit::get().saturating_add(T::DepositPerInputByte::get().saturating_mul(input_len.into()))
	}

	/// `model_fee + worker_fee × redundancy`, saturating.
	pub fn request_fee(model_fee: BalanceOf<T>, worker_fee: BalanceOf<T>, redundancy: u32) -> BalanceOf<T> {
		model_fee.saturating_add(worker_fee.saturating_mul(redundancy.into()))
	}

	/// The worker (stash) whose key signed a submission.
	pub fn worker_of(signer: &T::AccountId) -> Result<T::AccountId, AnswerError> {
		T::Workers::worker_of_key(signer).ok_or(AnswerError::NotAWorkerKey)
	}

	/// Whether worker `who` (a stash) may submit `entry` for `request` now. The transaction
	/// pool and dispatch run the same check.
	pub fn check_answer(
		who: &T::AccountId,
		request: RequestId,
		entry: &Submission<T::MaxOutputLen>,
	) -> Result<Request<T>, AnswerError> {
		let req = Requests::<T>::get(request).ok_or(AnswerError::RequestNotOpen)?;
		if !Assignments::<T>::contains_key(who, request) {
			return Err(AnswerError::NotAssigned);
		}
		// Assignments exist only once the draw set the deadline.
		let deadline = req.deadline.ok_or(AnswerError::NotAssigned)?;
		let now = frame_system::Pallet::<T>::block_number();
		if now > deadline {
			return Err(AnswerError::TooLate);
		}
		let model = T::Models::model(req.model).ok_or(AnswerError::ModelRetired)?;
		let direct = req.quorum <= 1;
		match entry {
			Submission::Answer(_) if !direct => return Err(AnswerError::CommitFirst),
			Submission::Commit(_) | Submission::Reveal(..) if direct => return Err(AnswerError::AnswerDirectly),
			Submission::Answer(_) => {}
			Submission::Commit(_) => {
				if req.has_committed(who).is_some() {
					return Err(AnswerError::AlreadyCommitted);
				}
				if !req.commits_open(now) {
					return Err(AnswerError::TooLate);
				}
			}
			Submission::Reveal(output, salt) => {
				let committed = req.has_committed(who).ok_or(AnswerError::NotCommitted)?;
				if !req.reveals_open(now) {
					return Err(AnswerError::RevealTooEarly);
				}
				if commitment(request, who, output, salt) != committed {
					return Err(AnswerError::CommitmentMismatch);
				}
			}
		}
		if entry.output().is_some_and(|output| !output.fits(&model)) {
			return Err(AnswerError::MalformedAnswer);
		}
		Ok(req)
	}

	/// The checks of a whole submission that do not depend on one entry.
	pub fn check_submission(answers: &[(RequestId, Submission<T::MaxOutputLen>)]) -> Result<(), AnswerError> {
		if answers.is_empty() {
			return Err(AnswerError::EmptySubmission);
		}
		for (i, (id, _)) in answers.iter().enumerate() {
			if answers.iter().skip(i.saturating_add(1)).any(|(other, _)| other == id) {
				return Err(AnswerError::DuplicateInSubmission);
			}
		}
		Ok(())
	}

	pub(crate) fn do_submit_predictions(
		signer: T::AccountId,
		answers: BoundedVec<(RequestId, Submission<T::MaxOutputLen>), T::MaxAnswersPerSubmission>,
	) -> DispatchResultWithPostInfo {
		let invalid = |e: AnswerError| Error::<T>::InvalidAnswer(e);
		let who = Self::worker_of(&signer).map_err(invalid)?;
		Self::check_submission(&answers).map_err(invalid)?;
		let count = answers.len() as u32;
		let mut accepted = 0u32;
		let mut first_error = None;
		let mut worker_fault = false;
		// What the entries did, for the weight: settled requests and their workers beyond the
		// first, and entries that only recorded (or were refused, which costs less).
		let (mut settled, mut further_workers) = (0u32, 0u32);
		for (id, entry) in answers {
			match Self::accept_answer(&who, id, entry) {
				Ok(outcome) => {
					accepted.saturating_inc();
					if let Some(workers) = outcome {
						settled.saturating_inc();
						further_workers = further_workers.saturating_add(workers.saturating_sub(1));
					}
				}
				Err(reason) => {
					first_error.get_or_insert(reason);
					worker_fault |= !reason.is_stale();
					Self::deposit_event(Event::AnswerRejected { request: id, worker: who.clone(), reason });
				}
			}
		}
		// Nothing accepted: an ordinary failed transaction, paid for like any other.
		if accepted == 0 {
			return Err(invalid(first_error.unwrap_or(AnswerError::EmptySubmission)).into());
		}
		let weight = Self::submission_weight(settled, count.saturating_sub(settled), further_workers)
			.min(Self::max_submission_weight(count));
		// Stale entries are no fault of the worker (a peer's answer finalized the request
		// first): they cost it nothing, like the pool that let them through.
		let pays = if worker_fault { Pays::Yes } else { Pays::No };
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: pays })
	}

	/// The weight of a submission whose entries settled `settled` requests with
	/// `further_workers` workers beyond the first of each, and only recorded (a commitment, an
	/// answer short of quorum) or were refused for the other `recorded`: one-worker
	/// settlements at `submit_settling`'s rate, each further worker at `settle_workers`' rate,
	/// records at `submit_unsettled`'s. A settlement's work is the product of requests and
	/// workers, which no formula linear in both prices, so the call counts what it did.
	pub fn submission_weight(settled: u32, recorded: u32, further_workers: u32) -> Weight {
		let slope = |f: fn(u32) -> Weight| f(2).saturating_sub(f(1));
		T::WeightInfo::submit_settling(settled.max(1))
			.saturating_add(slope(T::WeightInfo::submit_unsettled).saturating_mul(u64::from(recorded)))
			.saturating_add(slope(T::WeightInfo::settle_workers).saturating_mul(u64::from(further_workers)))
	}

	/// What a submission of `entries` entries is charged before dispatch: each settling a
	/// request of `MaxRedundancy` workers.
	pub fn max_submission_weight(entries: u32) -> Weight {
		let further = T::MaxRedundancy::get().saturating_sub(1).saturating_mul(entries);
		Self::submission_weight(entries, 0, further)
	}

	/// Records an answer, commitment or reveal, and settles the request if it is decided;
	/// returns the request's worker count if it settled.
	fn accept_answer(
		who: &T::AccountId,
		id: RequestId,
		entry: Submission<T::MaxOutputLen>,
	) -> Result<Option<u32>, AnswerError> {
		let mut req = Self::check_answer(who, id, &entry)?;
		let workers = req.workers.len() as u32;
		let answer = match entry {
			Submission::Commit(c) => {
				// Capacity equals the worker count and each worker commits once.
				req.commitments.try_push((who.clone(), c)).map_err(|_| AnswerError::AlreadyCommitted)?;
				Self::deposit_event(Event::AnswerCommitted { request: id, worker: who.clone() });
				Requests::<T>::insert(id, req);
				return Ok(None);
			}
			Submission::Answer(answer) | Submission::Reveal(answer, _) => answer,
		};
		Self::unassign(who, id, req.cost);
		// Capacity equals the worker count and each worker answers once.
		req.answers.try_push((who.clone(), answer)).map_err(|_| AnswerError::NotAssigned)?;
		T::Workers::record_outcome(who, TaskOutcome::Done);
		Self::deposit_event(Event::AnswerSubmitted { request: id, worker: who.clone() });

		let now = frame_system::Pallet::<T>::block_number();
		// Once reveals are open only committed workers can still answer.
		let last_possible = req.answers.len() == req.workers.len()
			|| (req.quorum > 1 && req.reveals_open(now) && req.answers.len() == req.commitments.len());
		let decided =
			modelchain_primitives::quorum::quorum_answer(req.answers.iter().map(|(_, a)| a), req.quorum).cloned();
		if let Some(answer) = decided {
			Self::finalize(id, req, answer);
		} else if last_possible {
			Self::fail(id, req);
		} else {
			Requests::<T>::insert(id, req);
			return Ok(None);
		}
		Ok(Some(workers))
	}

	pub(crate) fn do_challenge(who: T::AccountId, id: RequestId) -> DispatchResultWithPostInfo {
		let result = Results::<T>::get(id).ok_or(Error::<T>::UnknownResult)?;
		ensure!(!result.challenged, Error::<T>::AlreadyChallenged);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now <= result.finalized_at.saturating_add(T::ChallengeWindow::get()),
			Error::<T>::ChallengeWindowClosed
		);
		// A kept result keeps its model in use, so a retired model still loads here.
		let summary = T::Models::kept_model(result.model).ok_or(Error::<T>::ModelUnavailable)?;
		let model = T::Models::load(result.model).map_err(|_| Error::<T>::ModelUnavailable)?;
		let output = model.run(&result.input).map_err(|_| Error::<T>::ExecutionFailed)?;
		let output = Prediction::from_output(output).ok_or(Error::<T>::OutputTooLong)?;
		T::Workers::hold_challenge_deposit(&who).map_err(|_| Error::<T>::CannotPayChallengeDeposit)?;

		let component = Self::challenge_component(summary.blob_len, summary.cost);
		let settled = (result.agreeing.len() as u32).saturating_add(result.dissenting.len() as u32);
		let weight = Self::challenge_weight(component).saturating_add(Self::challenge_settlement_weight(settled));
		Self::settle_challenge(id, result, who, output);
		Ok(Some(weight).into())
	}

	pub(crate) fn do_set_parameters(params: Parameters<BalanceOf<T>>) -> DispatchResult {
		ensure!(Self::valid_parameters(&params), Error::<T>::InvalidParameters);
		Self::deposit_event(Event::ParametersSet {
			redundancy: params.redundancy,
			quorum: params.quorum,
			worker_fee: params.worker_fee,
		});
		Params::<T>::put(params);
		Ok(())
	}

	/// `1 ≤ quorum ≤ redundancy ≤ MaxRedundancy` and `2 × quorum > redundancy`.
	pub fn valid_parameters(p: &Parameters<BalanceOf<T>>) -> bool {
		p.quorum >= 1
			&& p.quorum <= p.redundancy
			&& p.redundancy <= T::MaxRedundancy::get()
			&& p.quorum.saturating_mul(2) > p.redundancy
	}

	/// The component of the `challenge` weight: the larger of the model's cost and its blob
	/// length, in thousands (rounded up), saturated.
	pub fn challenge_component(blob_len: u32, cost: u64) -> u32 {
		let units = cost.max(u64::from(blob_len)).div_ceil(1_000);
		u32::try_from(units).unwrap_or(u32::MAX)
	}

	/// The weight of re-executing a model whose challenge component is `component`: the worst
	/// rate the benchmarks measured over the layer families (dense, 1x1 and 3x3 convolutions,
	/// 15x15 pooling, lookup-table chains), since a model may be any mix of them. `Model::cost`
	/// keeps every model's work per unit within 1.5 times a dense model's (`modelchain-nn`'s
	/// `tests/cost_model.rs`), below the worst family's measured 2.3 times.
	pub fn challenge_weight(component: u32) -> Weight {
		[
			T::WeightInfo::challenge(component),
			T::WeightInfo::challenge_conv1x1(component),
			T::WeightInfo::challenge_conv3x3(component),
			T::WeightInfo::challenge_pool(component),
			T::WeightInfo::challenge_lut(component),
		]
		.into_iter()
		.fold(Weight::zero(), |worst, w| worst.max(w))
	}

	/// The `challenge` weight of the costliest model the registry may hold (`max_cost`, the
	/// bound on every layer's work, not only multiply-accumulates), at the worst family's rate.
	pub fn max_challenge_weight() -> Weight {
		let bounds = T::Models::bounds();
		Self::challenge_weight(Self::challenge_component(bounds.max_blob_len, bounds.max_cost))
			.saturating_add(Self::challenge_settlement_weight(T::MaxRedundancy::get()))
	}

	/// A margin for settling a challenge of `workers` workers, on top of the `challenge`
	/// benchmarks (which settle an upheld challenge of a `MaxRedundancy`-worker result with the
	/// span-based registry: reports, claw-backs and cancellations): per worker, one more
	/// offence report or cancellation (ledger, span, queue, record, worker list) and claw-back
	/// (ledger, two accounts' balances and holds, total stake), counted from the code. Kept
	/// because the registry's worst case (a report that opens a span and queues it) depends on
	/// its state, which one benchmark setup does not pin down.
	pub fn challenge_settlement_weight(workers: u32) -> Weight {
		T::DbWeight::get().reads_writes(12, 12).saturating_mul(u64::from(workers))
	}

	/// What the pallet holds from `who`: the fees of its open requests.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub(crate) fn held_for(who: &T::AccountId) -> BalanceOf<T> {
		use frame_support::traits::fungible::InspectHold;
		T::Currency::balance_on_hold(&HoldReason::PredictionFee.into(), who)
	}
}
