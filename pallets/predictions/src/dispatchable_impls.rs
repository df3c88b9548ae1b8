//! The calls' logic, and the settlement rules they share with the block hook.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::*,
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::{
	funds,
	models::ModelId,
	traits::{OffenceKind, OffenceReport, TaskOutcome, TaskRef},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_request_prediction(
		who: T::AccountId,
		model_id: ModelId,
		input: BoundedVec<i8, T::MaxInputLen>,
		max_fee: BalanceOf<T>,
	) -> DispatchResultWithPostInfo {
		let params = Params::<T>::get().ok_or(Error::<T>::NoParameters)?;
		let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;
		ensure!(input.len() as u32 == model.input_len, Error::<T>::WrongInputLength);
		let fee = Self::request_fee(model.fee, params.worker_fee, params.redundancy);
		ensure!(fee <= max_fee, Error::<T>::FeeAboveMax);

		let id = NextRequestId::<T>::get();
		let workers =
			T::Workers::select_workers(Self::seed(id), params.redundancy).map_err(|_| Error::<T>::NotEnoughWorkers)?;
		let workers: BoundedVec<_, T::MaxRedundancy> = workers.try_into().map_err(|_| Error::<T>::InvalidParameters)?;
		let reason = HoldReason::PredictionFee.into();
		funds::hold::<T::Currency, _>(&reason, &who, fee).map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(T::AnswerWindow::get());
		for w in workers.iter() {
			Assignments::<T>::insert(w, id, ());
		}
		Self::push(QueueKind::Expiry, id, deadline.saturating_add(1u32.into()));
		NextRequestId::<T>::put(id.saturating_add(1));
		Requests::<T>::insert(
			id,
			Request {
				requester: who.clone(),
				model: model_id,
				input,
				model_owner: model.owner,
				model_fee: model.fee,
				worker_fee: params.worker_fee,
				held: fee,
				quorum: params.quorum,
				workers: workers.clone(),
				answers: BoundedVec::new(),
				deadline,
			},
		);
		Self::deposit_event(Event::PredictionRequested {
			request: id,
			requester: who,
			model: model_id,
			workers: workers.into_inner(),
			fee,
			deadline,
		});
		Ok(Some(T::WeightInfo::request_prediction(model.input_len, params.redundancy)).into())
	}

	/// `model_fee + worker_fee × redundancy`, saturating.
	pub fn request_fee(model_fee: BalanceOf<T>, worker_fee: BalanceOf<T>, redundancy: u32) -> BalanceOf<T> {
		model_fee.saturating_add(worker_fee.saturating_mul(redundancy.into()))
	}

	/// The worker-draw seed of request `id`: the parent block hash mixed with the id. The
	/// requester cannot choose it; see the README for what a block author could do.
	pub(crate) fn seed(id: RequestId) -> [u8; 32] {
		let parent = frame_system::Pallet::<T>::parent_hash();
		polkadot_sdk::sp_io::hashing::blake2_256(&(b"modelchain/predictions/seed", parent, id).encode())
	}

	/// The worker (stash) whose key signed a submission.
	pub fn worker_of(signer: &T::AccountId) -> Result<T::AccountId, AnswerError> {
		T::Workers::worker_of_key(signer).ok_or(AnswerError::NotAWorkerKey)
	}

	/// Whether worker `who` (a stash) may answer `request` with `answer` now. The
	/// transaction pool and dispatch run the same check.
	pub fn check_answer(
		who: &T::AccountId,
		request: RequestId,
		answer: &Prediction<T::MaxOutputLen>,
	) -> Result<Request<T>, AnswerError> {
		let req = Requests::<T>::get(request).ok_or(AnswerError::RequestNotOpen)?;
		if !Assignments::<T>::contains_key(who, request) {
			return Err(AnswerError::NotAssigned);
		}
		if frame_system::Pallet::<T>::block_number() > req.deadline {
			return Err(AnswerError::TooLate);
		}
		// A retired model cannot be checked; its request will fail at the deadline anyway.
		let fits = T::Models::model(req.model).is_none_or(|m| answer.fits(&m));
		if !fits {
			return Err(AnswerError::MalformedAnswer);
		}
		Ok(req)
	}

	/// The checks of a whole submission that do not depend on one answer.
	pub fn check_submission(answers: &[(RequestId, Prediction<T::MaxOutputLen>)]) -> Result<(), AnswerError> {
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
		answers: BoundedVec<(RequestId, Prediction<T::MaxOutputLen>), T::MaxAnswersPerSubmission>,
	) -> DispatchResultWithPostInfo {
		let who = Self::worker_of(&signer).map_err(Error::<T>::from)?;
		Self::check_submission(&answers).map_err(Error::<T>::from)?;
		let count = answers.len() as u32;
		let mut accepted = 0u32;
		let mut first_error = None;
		// Settlement work grows with the workers of the requests answered; charge the largest.
		let mut redundancy = 0u32;
		for (id, answer) in answers {
			match Self::accept_answer(&who, id, answer) {
				Ok(workers) => {
					accepted.saturating_inc();
					redundancy = redundancy.max(workers);
				}
				Err(reason) => {
					first_error.get_or_insert(reason);
					Self::deposit_event(Event::AnswerRejected { request: id, worker: who.clone(), reason });
				}
			}
		}
		// Nothing accepted: an ordinary failed transaction, paid for like any other.
		if accepted == 0 {
			let error = first_error.map_or(Error::<T>::EmptySubmission, Error::<T>::from);
			return Err(error.into());
		}
		let weight = T::WeightInfo::submit_predictions(count, redundancy);
		let pays = if first_error.is_none() { Pays::No } else { Pays::Yes };
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: pays })
	}

	/// Records an answer and settles the request if it is decided; returns the request's
	/// worker count.
	fn accept_answer(
		who: &T::AccountId,
		id: RequestId,
		answer: Prediction<T::MaxOutputLen>,
	) -> Result<u32, AnswerError> {
		let mut req = Self::check_answer(who, id, &answer)?;
		let workers = req.workers.len() as u32;
		Assignments::<T>::remove(who, id);
		// Capacity equals the worker count and each worker answers once.
		req.answers.try_push((who.clone(), answer.clone())).map_err(|_| AnswerError::NotAssigned)?;
		T::Workers::record_outcome(who, TaskOutcome::Done);
		Self::deposit_event(Event::AnswerSubmitted { request: id, worker: who.clone() });

		let matching = req.answers.iter().filter(|(_, a)| *a == answer).count() as u32;
		if matching >= req.quorum {
			Self::finalize(id, req, answer);
		} else if req.answers.len() == req.workers.len() {
			Self::fail(id, req);
		} else {
			Requests::<T>::insert(id, req);
		}
		Ok(workers)
	}

	/// Pays and records a request whose `output` reached quorum.
	fn finalize(id: RequestId, req: Request<T>, output: Prediction<T::MaxOutputLen>) {
		Requests::<T>::remove(id);
		for w in req.workers.iter() {
			Assignments::<T>::remove(w, id);
		}
		let mut agreeing = BoundedVec::<T::AccountId, T::MaxRedundancy>::new();
		let mut dissenting = BoundedVec::<(T::AccountId, [u8; 32]), T::MaxRedundancy>::new();
		for (w, answer) in req.answers.iter() {
			// `answers` is no longer than `workers`, the bound of both lists.
			if *answer == output {
				let _ = agreeing.try_push(w.clone());
				T::Workers::record_outcome(w, TaskOutcome::Agreed);
			} else {
				// Cancelled if a challenge later shows this answer was the right one.
				Self::report(w, T::WrongAnswerSlash::get(), OffenceKind::WrongAnswer, Some(id), None);
				T::Workers::record_outcome(w, TaskOutcome::Disagreed);
				let _ = dissenting.try_push((w.clone(), answer.digest()));
			}
		}
		let reason = HoldReason::PredictionFee.into();
		Self::pay_from_hold(&reason, &req.requester, &req.model_owner, req.model_fee);
		for w in agreeing.iter() {
			Self::pay_from_hold(&reason, &req.requester, w, req.worker_fee);
		}
		let paid = req.model_fee.saturating_add(req.worker_fee.saturating_mul((agreeing.len() as u32).into()));
		Self::release(&reason, &req.requester, req.held.saturating_sub(paid));

		let now = frame_system::Pallet::<T>::block_number();
		Self::push(QueueKind::Prune, id, now.saturating_add(T::RetentionPeriod::get()));
		Self::deposit_event(Event::PredictionReady {
			request: id,
			model: req.model,
			output: output.clone(),
			agreeing: agreeing.clone().into_inner(),
		});
		Results::<T>::insert(
			id,
			PredictionResult {
				requester: req.requester,
				model: req.model,
				input: req.input,
				output,
				agreeing,
				dissenting,
				worker_fee: req.worker_fee,
				finalized_at: now,
				challenged: false,
			},
		);
	}

	/// Refunds a request that cannot reach quorum. Workers that never answered get the
	/// liveness penalty, unless the model was retired (they could not have answered).
	pub(crate) fn fail(id: RequestId, req: Request<T>) {
		Requests::<T>::remove(id);
		let model_alive = T::Models::model(req.model).is_some();
		let mut missed = Vec::new();
		for w in req.workers.iter() {
			if Assignments::<T>::take(w, id).is_some() {
				if model_alive {
					Self::report(w, T::MissedAnswerSlash::get(), OffenceKind::MissedTask, None, None);
					T::Workers::record_outcome(w, TaskOutcome::Missed);
				}
				missed.push(w.clone());
			}
		}
		Self::release(&HoldReason::PredictionFee.into(), &req.requester, req.held);
		Self::deposit_event(Event::PredictionFailed { request: id, missed });
	}

	pub(crate) fn do_challenge(who: T::AccountId, id: RequestId) -> DispatchResultWithPostInfo {
		let mut result = Results::<T>::get(id).ok_or(Error::<T>::UnknownResult)?;
		ensure!(!result.challenged, Error::<T>::AlreadyChallenged);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now <= result.finalized_at.saturating_add(T::ChallengeWindow::get()),
			Error::<T>::ChallengeWindowClosed
		);
		let summary = T::Models::model(result.model).ok_or(Error::<T>::ModelUnavailable)?;
		let model = T::Models::load(result.model).map_err(|_| Error::<T>::ModelUnavailable)?;
		let output = model.run(&result.input).map_err(|_| Error::<T>::ExecutionFailed)?;
		let output = Prediction::from_output(output).ok_or(Error::<T>::OutputTooLong)?;
		T::Workers::hold_challenge_deposit(&who).map_err(|_| Error::<T>::CannotPayChallengeDeposit)?;

		result.challenged = true;
		let component = Self::challenge_component(summary.blob_len, summary.cost);
		let settled = (result.agreeing.len() as u32).saturating_add(result.dissenting.len() as u32);
		let weight = T::WeightInfo::challenge(component).saturating_add(Self::challenge_settlement_weight(settled));
		if output == result.output {
			T::Workers::settle_challenge_deposit(&who, false);
			Results::<T>::insert(id, result);
			Self::deposit_event(Event::ChallengeRejected {
				request: id,
				challenger: who,
				deposit: T::Workers::challenge_deposit(),
			});
			return Ok(Some(weight).into());
		}
		T::Workers::settle_challenge_deposit(&who, true);
		let mut clawed_back = BalanceOf::<T>::zero();
		for w in result.agreeing.iter() {
			Self::report(w, T::WrongAnswerSlash::get(), OffenceKind::WrongAnswer, Some(id), Some(who.clone()));
			T::Workers::record_outcome(w, TaskOutcome::Disagreed);
			// The fee a wrong worker was paid goes back to the requester at once.
			let back = T::Workers::claw_back(w, &result.requester, result.worker_fee);
			clawed_back = clawed_back.saturating_add(back);
		}
		let digest = output.digest();
		let mut vindicated = BoundedVec::<T::AccountId, T::MaxRedundancy>::new();
		for (w, answer) in result.dissenting.iter() {
			if *answer == digest {
				T::Workers::cancel_offence(w, OffenceKind::WrongAnswer, Self::task(id));
				T::Workers::record_outcome(w, TaskOutcome::Agreed);
				// No longer than `dissenting`, which has the same bound.
				let _ = vindicated.try_push(w.clone());
			}
		}
		result.output = output.clone();
		result.agreeing = vindicated;
		result.dissenting = BoundedVec::new();
		Results::<T>::insert(id, result);
		Self::deposit_event(Event::ChallengeUpheld { request: id, challenger: who, output, clawed_back });
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

	/// The task reference of request `id` in offence reports.
	pub fn task(id: RequestId) -> TaskRef {
		TaskRef { domain: TASK_DOMAIN, id }
	}

	/// Reports an offence in request `id` (`None` for liveness offences, which no proof can
	/// overturn). The registry only refuses offenders with no stake at all, which have nothing
	/// to lose; that must not undo everyone else's settlement, so it is only logged.
	fn report(
		who: &T::AccountId,
		severity: Perbill,
		kind: OffenceKind,
		id: Option<RequestId>,
		reporter: Option<T::AccountId>,
	) {
		let report = OffenceReport { offender: who.clone(), kind, severity, task: id.map(Self::task), reporter };
		if let Err(e) = T::Workers::report_offence(report) {
			log::warn!(target: LOG_TARGET, "could not report {kind:?} by {who:?}: {e:?}");
		}
	}

	/// Moves `amount` of `from`'s fee hold to `to`'s free balance. If `to` cannot receive it
	/// (it would not reach the existential deposit), it is released back to `from`.
	fn pay_from_hold(reason: &T::RuntimeHoldReason, from: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) {
		if !amount.is_zero() && !funds::pay_from_hold::<T::Currency, _>(reason, from, to, amount) {
			log::warn!(target: LOG_TARGET, "fee of {amount:?} to {to:?} not paid; returned to {from:?}");
			Self::release(reason, from, amount);
		}
	}

	fn release(reason: &T::RuntimeHoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		funds::release::<T::Currency, _>(reason, who, amount);
	}

	/// The component of the `challenge` weight: the larger of the model's cost and its blob
	/// length, in thousands (rounded up), saturated.
	pub fn challenge_component(blob_len: u32, cost: u64) -> u32 {
		let units = cost.max(u64::from(blob_len)).div_ceil(1_000);
		u32::try_from(units).unwrap_or(u32::MAX)
	}

	/// The `challenge` weight of the largest model the registry may hold.
	pub fn max_challenge_weight() -> Weight {
		let bounds = T::Models::bounds();
		// Cost counts every MAC plus one per element written: at most MACs plus tensors per layer.
		let max_cost = bounds.max_macs.saturating_add(
			u64::from(bounds.max_tensor_len).saturating_mul(u64::from(bounds.max_layers).saturating_add(1)),
		);
		T::WeightInfo::challenge(Self::challenge_component(bounds.max_blob_len, max_cost))
			.saturating_add(Self::challenge_settlement_weight(T::MaxRedundancy::get()))
	}

	/// Storage work of settling a challenge for `workers` workers on top of what the
	/// `challenge` benchmark measured: per worker, an offence report or cancellation in the
	/// registry (ledger, span, queue, record, worker list) and a claw-back (ledger, two
	/// accounts' balances and holds, total stake). Counted from the code, not benchmarked, until
	/// `scripts/benchmark.sh` regenerates the weights for the span-based registry.
	pub fn challenge_settlement_weight(workers: u32) -> Weight {
		T::DbWeight::get().reads_writes(12, 12).saturating_mul(u64::from(workers))
	}

	/// What the pallet holds from `who`: the fees of its open requests.
	#[cfg(any(feature = "try-runtime", test))]
	pub(crate) fn held_for(who: &T::AccountId) -> BalanceOf<T> {
		use frame_support::traits::fungible::InspectHold;
		T::Currency::balance_on_hold(&HoldReason::PredictionFee.into(), who)
	}
}

/// The two FIFO queues the block hook works through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum QueueKind {
	/// Open requests, due after their deadline.
	Expiry,
	/// Final results, due at the end of their retention period.
	Prune,
}

impl<T: Config> Pallet<T> {
	pub(crate) fn push(kind: QueueKind, request: RequestId, due: BlockNumberFor<T>) {
		let mutate = |b: &mut QueueBounds| {
			let index = b.tail;
			b.tail = b.tail.saturating_add(1);
			index
		};
		let entry = QueueEntry { request, due };
		match kind {
			QueueKind::Expiry => ExpiryQueue::<T>::insert(ExpiryQueueBounds::<T>::mutate(mutate), entry),
			QueueKind::Prune => PruneQueue::<T>::insert(PruneQueueBounds::<T>::mutate(mutate), entry),
		}
	}
}

impl<T> From<AnswerError> for Error<T> {
	fn from(e: AnswerError) -> Self {
		match e {
			AnswerError::RequestNotOpen => Error::RequestNotOpen,
			AnswerError::NotAssigned => Error::NotAssigned,
			AnswerError::TooLate => Error::TooLate,
			AnswerError::MalformedAnswer => Error::MalformedAnswer,
			AnswerError::DuplicateInSubmission => Error::DuplicateInSubmission,
			AnswerError::EmptySubmission => Error::EmptySubmission,
			AnswerError::NotAWorkerKey => Error::NotAWorkerKey,
		}
	}
}
