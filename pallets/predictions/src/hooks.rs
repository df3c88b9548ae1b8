//! Block hooks (drawing workers, expiring requests, pruning results), configuration and state
//! checks.

use crate::{
	settlement::{ExpiryQueueOf, PruneQueueOf},
	*,
};
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> Pallet<T> {
	/// Draws the workers of the previous block's requests, then fails requests past their
	/// deadline and prunes results past their retention period, `MaxQueueWorkPerBlock` of each
	/// whatever the block's load (so the queues always move); `on_idle` does more with the
	/// weight the block leaves.
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let (drawn, seats) = Self::draw_due(now);
		let max = T::MaxQueueWorkPerBlock::get();
		Self::draw_weight(drawn, seats)
			.saturating_add(Self::expire_due(now, max))
			.saturating_add(Self::prune_due(now, max))
	}

	/// Works through the expiry and pruning queues with the weight left in the block.
	pub(crate) fn do_on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let mut meter = frame_support::weights::WeightMeter::with_limit(remaining);
		let per_expiry = T::WeightInfo::expire_requests(1, T::MaxRedundancy::get());
		let fit = |meter: &frame_support::weights::WeightMeter, per: Weight| {
			let n = meter.remaining().checked_div_per_component(&per).unwrap_or(0);
			u32::try_from(n).unwrap_or(u32::MAX)
		};
		let expiries = fit(&meter, per_expiry);
		if expiries > 0 {
			meter.consume(Self::expire_due(now, expiries));
		}
		let prunes = fit(&meter, T::WeightInfo::prune_results(1));
		if prunes > 0 {
			meter.consume(Self::prune_due(now, prunes));
		}
		meter.consumed()
	}

	/// Fails at most `max` requests whose deadline passed; returns the weight used. Entries of
	/// requests that settled in time cost only their queue read.
	fn expire_due(now: BlockNumberFor<T>, max: u32) -> Weight {
		let (expired, skipped) = ExpiryQueueOf::<T>::process(max, |e| e.due <= now, |e| Self::expire(e.request));
		T::WeightInfo::expire_requests(expired, T::MaxRedundancy::get())
			.saturating_add(T::WeightInfo::skip_settled(skipped))
	}

	/// Prunes at most `max` results past their retention period; returns the weight used.
	fn prune_due(now: BlockNumberFor<T>, max: u32) -> Weight {
		let (pruned, skipped) = PruneQueueOf::<T>::process(max, |e| e.due <= now, |e| Self::prune(e.request));
		T::WeightInfo::prune_results(pruned.saturating_add(skipped))
	}

	pub(crate) fn do_integrity_test() {
		let answer: u32 = T::AnswerWindow::get().unique_saturated_into();
		let challenge: u32 = T::ChallengeWindow::get().unique_saturated_into();
		let retention: u32 = T::RetentionPeriod::get().unique_saturated_into();
		assert!(answer > 0, "AnswerWindow must be at least one block");
		let commit: u32 = T::CommitWindow::get().unique_saturated_into();
		assert!(
			commit > 0 && commit < answer,
			"CommitWindow ({commit}) must be positive and shorter than AnswerWindow ({answer}), so reveals have time"
		);
		assert!(retention >= challenge, "RetentionPeriod must cover the ChallengeWindow");
		// The last offence is reported at a challenge, at most 1 (the draw waits a block) +
		// AnswerWindow + ChallengeWindow blocks after the request (+1: expiry runs the block
		// after the deadline).
		let window = answer.saturating_add(challenge).saturating_add(2);
		assert!(
			window <= T::Workers::longest_offence_window(),
			"AnswerWindow + ChallengeWindow + 2 = {window} exceeds the registry's longest offence window"
		);
		// A challenge that clears a dissenter must come while the dissenter's slash is still
		// pending: the registry applies it `slash_defer_duration` blocks after the report.
		assert!(
			challenge < T::Workers::slash_defer_duration(),
			"ChallengeWindow ({challenge}) must be shorter than the registry's slash deferral"
		);
		assert!(T::MaxRedundancy::get() > 0, "MaxRedundancy must be positive");
		assert!(T::MaxAnswersPerSubmission::get() > 0, "MaxAnswersPerSubmission must be positive");
		assert!(T::MaxQueueWorkPerBlock::get() > 0, "MaxQueueWorkPerBlock must be positive");
		assert!(T::MaxPendingSeats::get() > 0, "MaxPendingSeats must be positive");
		// The costliest mix of a block's draws: as many one-seat requests as there may be seats.
		let seats = T::MaxPendingSeats::get();
		let draws = Self::draw_weight(seats, seats);
		let third = <T as frame_system::Config>::BlockWeights::get().max_block.saturating_div(3);
		assert!(
			draws.all_lte(third),
			"drawing MaxPendingSeats ({seats}) one-seat requests weighs {draws:?}, more than a third of a block ({third:?})"
		);
		assert!(
			T::MaxRequestsPerCall::get() > 0 && T::MaxRequestsPerCall::get() <= T::MaxPendingSeats::get(),
			"MaxRequestsPerCall must be positive and at most MaxPendingSeats (a larger batch could never be accepted)"
		);
		assert!(T::MaxInputLen::get() > 0 && T::MaxOutputLen::get() > 0, "input and output bounds must be positive");
		// A worker at capacity must be able to commit and reveal everything with half of each
		// window to spare: load must never turn into missed answers (and liveness slashes).
		let seats = T::MaxAssignmentsPerWorker::get();
		let allowed = Self::max_assignments_allowed();
		assert!(
			seats > 0 && seats <= allowed,
			"MaxAssignmentsPerWorker ({seats}) must be positive and at most {allowed}: \
			 min(MaxAnswersPerSubmission × CommitWindow / 2, MaxAnswersPerSubmission × AnswerWindow / 4)"
		);
		// The costliest model the registry accepts must fit one off-chain worker run (loading
		// included), or a worker assigned to it could never answer.
		let bounds = T::Models::bounds();
		let worst = Self::task_cost(bounds.max_cost, bounds.max_blob_len);
		assert!(
			worst <= T::OffchainCostPerBlock::get(),
			"the costliest model ({worst} cost units with its blob) exceeds OffchainCostPerBlock ({})",
			T::OffchainCostPerBlock::get()
		);
		// Re-executing it on a challenge must fit a fixed share of a block: half.
		let block = <T as frame_system::Config>::BlockWeights::get().max_block;
		let half = Weight::from_parts(block.ref_time() / 2, block.proof_size() / 2);
		let challenge_weight = Self::max_challenge_weight();
		assert!(
			challenge_weight.all_lte(half),
			"a challenge of the costliest model ({challenge_weight:?}) exceeds half a block ({block:?}): lower ModelBounds::max_cost"
		);
	}

	/// Checks that the pallet's storage is consistent with itself and with the holds.
	/// Compiled in std builds too (not only with `try-runtime`): the runtime's call-sequence fuzzer
	/// runs it after every block without rebuilding the SDK with another feature set.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use crate::draw::DrawQueueOf;
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		use sp_runtime::traits::{Saturating, Zero};

		if let Some(p) = Params::<T>::get() {
			ensure!(Self::valid_parameters(&p), "stored parameters are invalid");
		}
		let next = NextRequestId::<T>::get();
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut loads: BTreeMap<T::AccountId, Load> = BTreeMap::new();
		let mut network = Load::default();
		let mut users: BTreeMap<modelchain_primitives::models::ModelId, u32> = BTreeMap::new();
		let mut open_assignments = 0usize;
		let mut pending_seats = 0u32;
		let expiring: BTreeSet<RequestId> = ExpiryQueueOf::<T>::entries().map(|e| e.request).collect();
		let drawing: BTreeSet<RequestId> = DrawQueueOf::<T>::entries().map(|e| e.request).collect();
		for (id, req) in Requests::<T>::iter() {
			ensure!(id < next, "open request id not below NextRequestId");
			ensure!(!Results::<T>::contains_key(id), "request both open and final");
			ensure!(req.answers.len() <= req.workers.len(), "more answers than workers");
			ensure!(req.commitments.len() <= req.workers.len(), "more commitments than workers");
			ensure!(req.quorum > 1 || req.commitments.is_empty(), "a commitment to a request with quorum 1");
			for (w, _) in req.answers.iter() {
				ensure!(req.quorum <= 1 || req.has_committed(w).is_some(), "a revealed answer without commitment");
			}
			let expected = Self::request_fee(req.model_fee, req.worker_fee, req.redundancy);
			ensure!(req.held == expected, "held fee differs from the fee rule");
			let entry = held.entry(req.requester.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(req.held);
			ensure!(req.deposit == Self::request_deposit(req.input.len() as u32), "deposit differs from the rule");
			let entry = deposits.entry(req.requester.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(req.deposit);
			let uses = users.entry(req.model).or_default();
			*uses = uses.saturating_add(1);
			match req.deadline {
				None => {
					ensure!(req.workers.is_empty() && req.answers.is_empty(), "workers before the draw");
					ensure!(drawing.contains(&id), "undrawn request missing from the draw queue");
					network = network.add(req.redundancy, req.cost);
					pending_seats = pending_seats.saturating_add(req.redundancy);
				}
				Some(_) => {
					ensure!(expiring.contains(&id), "open request missing from the expiry queue");
					ensure!(req.workers.len() as u32 == req.redundancy, "drawn workers differ from the redundancy");
				}
			}
			for w in req.workers.iter() {
				let answered = req.answers.iter().any(|(a, _)| a == w);
				ensure!(Assignments::<T>::contains_key(w, id) != answered, "assignment out of sync with answers");
				if !answered {
					open_assignments = open_assignments.saturating_add(1);
					let load = loads.entry(w.clone()).or_default();
					*load = load.add(1, req.cost);
					network = network.add(1, req.cost);
				}
			}
		}
		ensure!(Assignments::<T>::iter().count() == open_assignments, "assignment without an open request");
		for (who, amount) in held.iter() {
			ensure!(Self::held_for(who) == *amount, "held fees differ from open requests' fees");
		}
		ensure!(WorkerLoad::<T>::iter().count() == loads.len(), "load recorded for a worker without assignments");
		for (who, load) in loads.iter() {
			ensure!(WorkerLoad::<T>::get(who) == *load, "worker load differs from its assignments");
		}
		ensure!(NetworkLoad::<T>::get() == network, "network load differs from open and undrawn requests");
		ensure!(PendingSeats::<T>::get() == pending_seats, "pending seats differ from the undrawn requests'");
		ensure!(pending_seats <= T::MaxPendingSeats::get(), "more seats await their draw than MaxPendingSeats");
		for (id, result) in Results::<T>::iter() {
			ensure!(id < next, "result id not below NextRequestId");
			ensure!(result.challenged || !result.agreeing.is_empty(), "unchallenged result without agreeing workers");
			ensure!(!result.challenged || result.dissenting.is_empty(), "challenged result keeps dissenters");
			let uses = users.entry(result.model).or_default();
			*uses = uses.saturating_add(1);
			let entry = deposits.entry(result.requester.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(result.deposit);
		}
		for (who, amount) in deposits.iter() {
			use frame_support::traits::fungible::InspectHold;
			let on_hold = T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), who);
			ensure!(on_hold == *amount, "storage deposits held differ from open requests' and results' deposits");
		}
		// Every open request and every kept result keeps its model in use.
		for (model, uses) in users {
			ensure!(T::Models::users(model) >= uses, "a model in use is not marked in use");
		}
		for queue in [DrawQueueOf::<T>::check(), ExpiryQueueOf::<T>::check(), PruneQueueOf::<T>::check()] {
			queue?;
		}
		let pruning: BTreeSet<RequestId> = PruneQueueOf::<T>::entries().map(|e| e.request).collect();
		ensure!(Results::<T>::iter_keys().all(|id| pruning.contains(&id)), "result missing from prune queue");
		Ok(())
	}
}
