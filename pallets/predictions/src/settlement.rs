//! Settlement: what happens to the money and the workers when a request reaches quorum, fails,
//! or a result is challenged. The calls and the block hook share these rules.

use crate::*;
use alloc::vec::Vec;
use frame_support::{traits::Get, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::{
	funds,
	queue::StorageQueue,
	traits::{OffenceKind, OffenceReport, TaskOutcome, TaskRef},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

/// Open requests in deadline order, each checked after its deadline.
pub(crate) type ExpiryQueueOf<T> = StorageQueue<QueueEntry<BlockNumberFor<T>>, ExpiryQueue<T>, ExpiryQueueBounds<T>>;
/// Final results in finalization order, each pruned at the end of its retention period.
pub(crate) type PruneQueueOf<T> = StorageQueue<QueueEntry<BlockNumberFor<T>>, PruneQueue<T>, PruneQueueBounds<T>>;

impl<T: Config> Pallet<T> {
	/// Pays and records a request whose `output` reached quorum.
	///
	/// A drawn worker that let the commit window pass without committing can no longer
	/// answer: it gets the liveness penalty, as when a request fails, or skipping work whenever
	/// two peers are expected to answer would cost nothing but the fee. Workers still inside
	/// their window (quorum 1, or committed and not yet revealed) are not penalized. (Each
	/// worker is reported at most once either way, so `settle_workers`' benchmark, where
	/// every worker outside the quorum is reported as wrong, still bounds the weight.)
	pub(crate) fn finalize(id: RequestId, req: Request<T>, output: Prediction<T::MaxOutputLen>) {
		Requests::<T>::remove(id);
		let now = frame_system::Pallet::<T>::block_number();
		let commit_window_over = req.quorum > 1 && req.commit_deadline.is_some_and(|d| now > d);
		for w in req.workers.iter() {
			let unanswered = Self::unassign(w, id, req.cost);
			if unanswered && commit_window_over && req.has_committed(w).is_none() {
				Self::report(w, T::MissedAnswerSlash::get(), OffenceKind::MissedTask, None, None);
				T::Workers::record_outcome(w, TaskOutcome::Missed);
			}
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

		// The result keeps the model in use (loadable for a challenge) until it is pruned.
		PruneQueueOf::<T>::push(QueueEntry { request: id, due: now.saturating_add(T::RetentionPeriod::get()) });
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
				deposit: req.deposit,
				finalized_at: now,
				challenged: false,
			},
		);
	}

	/// Refunds a request that cannot reach quorum, but for the unrefunded share of its worker
	/// fees, which goes to the fee sink. Workers that never answered get the liveness penalty.
	/// If the model was retired, nobody is at fault: no penalty, and the whole fee comes back.
	pub(crate) fn fail(id: RequestId, req: Request<T>) {
		Requests::<T>::remove(id);
		let model_alive = T::Models::model(req.model).is_some();
		let mut missed = Vec::new();
		for w in req.workers.iter() {
			if Self::unassign(w, id, req.cost) {
				if model_alive {
					Self::report(w, T::MissedAnswerSlash::get(), OffenceKind::MissedTask, None, None);
					T::Workers::record_outcome(w, TaskOutcome::Missed);
				}
				missed.push(w.clone());
			}
		}
		let reason = HoldReason::PredictionFee.into();
		let share = T::UnrefundedShare::get().mul_floor(req.worker_fee.saturating_mul(req.redundancy.into()));
		// Not to the workers that answered: without a quorum nobody knows whose answer was
		// right, and paying them would reward a wrong answer whenever a peer is absent.
		let kept = if model_alive && Self::pay_from_hold(&reason, &req.requester, &T::FeeSink::get(), share) {
			share
		} else {
			Zero::zero()
		};
		Self::release(&reason, &req.requester, req.held.saturating_sub(kept));
		Self::release(&HoldReason::StorageDeposit.into(), &req.requester, req.deposit);
		T::Models::release(req.model);
		Self::deposit_event(Event::PredictionFailed { request: id, missed, kept });
	}

	/// Fails request `id` if it is still open (its expiry entry came due); returns whether
	/// there was anything to do.
	pub(crate) fn expire(id: RequestId) -> bool {
		match Requests::<T>::get(id) {
			Some(req) => {
				Self::fail(id, req);
				true
			}
			// Reached quorum (or failed) in time: nothing left.
			None => false,
		}
	}

	/// Removes result `id` at the end of its retention period, ending its use of the model.
	pub(crate) fn prune(id: RequestId) -> bool {
		let Some(result) = Results::<T>::take(id) else { return false };
		T::Models::release(result.model);
		Self::release(&HoldReason::StorageDeposit.into(), &result.requester, result.deposit);
		Self::deposit_event(Event::ResultPruned { request: id });
		true
	}

	/// Settles a challenge of result `id` whose re-execution gave `output`: the deposit and
	/// the result stand if it equals the stored output; otherwise the wrong quorum is
	/// reported and its fees clawed back, and right dissenters are cleared.
	pub(crate) fn settle_challenge(
		id: RequestId,
		mut result: PredictionResult<T>,
		challenger: T::AccountId,
		output: Prediction<T::MaxOutputLen>,
	) {
		result.challenged = true;
		if output == result.output {
			T::Workers::settle_challenge_deposit(&challenger, false);
			Results::<T>::insert(id, result);
			Self::deposit_event(Event::ChallengeRejected {
				request: id,
				challenger,
				deposit: T::Workers::challenge_deposit(),
			});
			return;
		}
		T::Workers::settle_challenge_deposit(&challenger, true);
		let mut clawed_back = BalanceOf::<T>::zero();
		for w in result.agreeing.iter() {
			Self::report(w, T::WrongAnswerSlash::get(), OffenceKind::WrongAnswer, Some(id), Some(challenger.clone()));
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
		Self::deposit_event(Event::ChallengeUpheld { request: id, challenger, output, clawed_back });
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
	/// Returns whether it was paid.
	fn pay_from_hold(
		reason: &T::RuntimeHoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> bool {
		if amount.is_zero() {
			return false;
		}
		if !funds::pay_from_hold::<T::Currency, _>(reason, from, to, amount) {
			log::warn!(target: LOG_TARGET, "fee of {amount:?} to {to:?} not paid; returned to {from:?}");
			Self::release(reason, from, amount);
			return false;
		}
		true
	}

	fn release(reason: &T::RuntimeHoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		funds::release::<T::Currency, _>(reason, who, amount);
	}
}
