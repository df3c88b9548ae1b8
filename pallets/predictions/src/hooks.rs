//! Block hook (expiring requests, pruning results), configuration and state checks.

use crate::*;
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, UniqueSaturatedInto};

impl<T: Config> Pallet<T> {
	/// Fails requests past their deadline and prunes results past their retention period, at
	/// most `MaxQueueWorkPerBlock` of each; the rest wait for the next block.
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let max = T::MaxQueueWorkPerBlock::get();
		let mut expired = 0u32;
		let mut bounds = ExpiryQueueBounds::<T>::get();
		while bounds.head < bounds.tail && expired < max {
			let Some(entry) = ExpiryQueue::<T>::get(bounds.head) else {
				bounds.head = bounds.head.saturating_add(1);
				continue;
			};
			if entry.due > now {
				break;
			}
			ExpiryQueue::<T>::remove(bounds.head);
			bounds.head = bounds.head.saturating_add(1);
			// Requests that reached quorum in time are gone already.
			if let Some(req) = Requests::<T>::get(entry.request) {
				Self::fail(entry.request, req);
			}
			expired.saturating_inc();
		}
		ExpiryQueueBounds::<T>::put(bounds);

		let mut pruned = 0u32;
		let mut bounds = PruneQueueBounds::<T>::get();
		while bounds.head < bounds.tail && pruned < max {
			let Some(entry) = PruneQueue::<T>::get(bounds.head) else {
				bounds.head = bounds.head.saturating_add(1);
				continue;
			};
			if entry.due > now {
				break;
			}
			PruneQueue::<T>::remove(bounds.head);
			bounds.head = bounds.head.saturating_add(1);
			Results::<T>::remove(entry.request);
			Self::deposit_event(Event::ResultPruned { request: entry.request });
			pruned.saturating_inc();
		}
		PruneQueueBounds::<T>::put(bounds);

		T::WeightInfo::expire_requests(expired, T::MaxRedundancy::get())
			.saturating_add(T::WeightInfo::prune_results(pruned))
	}

	pub(crate) fn do_integrity_test() {
		let answer: u32 = T::AnswerWindow::get().unique_saturated_into();
		let challenge: u32 = T::ChallengeWindow::get().unique_saturated_into();
		let retention: u32 = T::RetentionPeriod::get().unique_saturated_into();
		assert!(answer > 0, "AnswerWindow must be at least one block");
		assert!(retention >= challenge, "RetentionPeriod must cover the ChallengeWindow");
		// The last offence is reported at a challenge, at most AnswerWindow + ChallengeWindow
		// blocks after the answer it punishes (+1: expiry runs the block after the deadline).
		let window = answer.saturating_add(challenge).saturating_add(1);
		assert!(
			window <= T::Workers::longest_offence_window(),
			"AnswerWindow + ChallengeWindow + 1 = {window} exceeds the registry's longest offence window"
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
		assert!(T::MaxInputLen::get() > 0 && T::MaxOutputLen::get() > 0, "input and output bounds must be positive");
	}

	#[cfg(any(feature = "try-runtime", test))]
	pub(crate) fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use sp_runtime::traits::Zero;

		if let Some(p) = Params::<T>::get() {
			ensure!(Self::valid_parameters(&p), "stored parameters are invalid");
		}
		let next = NextRequestId::<T>::get();
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut open_assignments = 0usize;
		for (id, req) in Requests::<T>::iter() {
			ensure!(id < next, "open request id not below NextRequestId");
			ensure!(!Results::<T>::contains_key(id), "request both open and final");
			ensure!(req.answers.len() <= req.workers.len(), "more answers than workers");
			let expected = Self::request_fee(req.model_fee, req.worker_fee, req.workers.len() as u32);
			ensure!(req.held == expected, "held fee differs from the fee rule");
			let entry = held.entry(req.requester.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(req.held);
			for w in req.workers.iter() {
				let answered = req.answers.iter().any(|(a, _)| a == w);
				ensure!(Assignments::<T>::contains_key(w, id) != answered, "assignment out of sync with answers");
				if !answered {
					open_assignments = open_assignments.saturating_add(1);
				}
			}
		}
		ensure!(Assignments::<T>::iter().count() == open_assignments, "assignment without an open request");
		for (who, amount) in held.iter() {
			ensure!(Self::held_for(who) == *amount, "held fees differ from open requests' fees");
		}
		for (id, result) in Results::<T>::iter() {
			ensure!(id < next, "result id not below NextRequestId");
			ensure!(result.challenged || !result.agreeing.is_empty(), "unchallenged result without agreeing workers");
			ensure!(!result.challenged || result.dissenting.is_empty(), "challenged result keeps dissenters");
		}
		// Every open request is still in the expiry queue, every result in the prune queue.
		let queued = |head: u64, tail: u64, get: &dyn Fn(u64) -> Option<QueueEntry<BlockNumberFor<T>>>| {
			(head..tail).filter_map(get).map(|e| e.request).collect::<alloc::collections::BTreeSet<_>>()
		};
		let e = ExpiryQueueBounds::<T>::get();
		ensure!(e.head <= e.tail, "expiry queue head past tail");
		let expiring = queued(e.head, e.tail, &|i| ExpiryQueue::<T>::get(i));
		ensure!(Requests::<T>::iter_keys().all(|id| expiring.contains(&id)), "open request missing from expiry queue");
		let p = PruneQueueBounds::<T>::get();
		ensure!(p.head <= p.tail, "prune queue head past tail");
		let pruning = queued(p.head, p.tail, &|i| PruneQueue::<T>::get(i));
		ensure!(Results::<T>::iter_keys().all(|id| pruning.contains(&id)), "result missing from prune queue");
		Ok(())
	}
}
