//! Block hooks (phase deadlines, on-chain verification with spare weight), the leaderboard,
//! configuration and state checks.

use crate::{
	settlement::{DeadlinesOf, VerifyQueueOf},
	*,
};
use frame_support::{
	pallet_prelude::{Get, Weight},
	weights::WeightMeter,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> Pallet<T> {
	/// Enforces the phase deadlines that have come, `MaxDeadlinesPerBlock` a block whatever
	/// the block's load (later ones wait for the next block).
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let (ended, empty) = DeadlinesOf::<T>::process(now, T::MaxDeadlinesPerBlock::get(), |block, id| {
			// Entries left behind by `advance` are stale.
			if Bounties::<T>::get(id).is_some_and(|b| b.deadline == block) {
				Self::end_phase(id, now);
			}
		});
		T::WeightInfo::advance(T::MaxSubmissions::get())
			.saturating_mul(ended.into())
			.saturating_add(T::WeightInfo::deadline_empty().saturating_mul(empty.saturating_add(1).into()))
	}

	/// Computes scores on chain (no quorum, or challenged) with the weight the block leaves,
	/// one test chunk at a time.
	pub(crate) fn do_on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let mut meter = WeightMeter::with_limit(remaining);
		let step = Self::max_verify_weight().saturating_add(T::WeightInfo::deadline_empty());
		while meter.can_consume(step) && !VerifyQueueOf::<T>::is_empty() {
			let mut next = None;
			VerifyQueueOf::<T>::process(
				1,
				|_| true,
				|entry| {
					next = Some(entry);
					true
				},
			);
			let Some((id, index)) = next else { break };
			meter.consume(T::WeightInfo::deadline_empty());
			let Some(verification) = Verifications::<T>::get(id, index) else { continue };
			let chunks = TestSet::<T>::get(id).map_or(0, |t| t.len() as u32);
			let Some(position) = (0..chunks).find(|p| verification.done & (1u128 << p) == 0) else { continue };
			match Self::verify_step(id, index, position) {
				Ok(used) => meter.consume(used),
				Err(e) => {
					log::warn!(target: LOG_TARGET, "verification of {id}/{index} failed: {e:?}");
					continue;
				}
			}
			if Verifications::<T>::contains_key(id, index) {
				VerifyQueueOf::<T>::push((id, index));
			}
		}
		meter.consumed()
	}

	/// The leaderboard of bounty `id`.
	pub(crate) fn build_leaderboard(id: BountyId) -> Option<Leaderboard<T::AccountId, BlockNumberFor<T>>> {
		let bounty = Bounties::<T>::get(id)?;
		let submissions = Self::submissions_of(id);
		let ranked = Self::ranking(&bounty.terms, &submissions);
		let rows = submissions
			.into_iter()
			.map(|(index, s)| LeaderboardEntry {
				submission: index,
				trainer: s.trainer,
				committed_at: s.committed_at,
				revealed: s.model.is_some(),
				score: s.score,
				rank: ranked.iter().position(|i| *i == index).map(|r| r as u32),
			})
			.collect();
		Some(Leaderboard { phase: bounty.phase, deadline: bounty.deadline, submissions: rows })
	}

	pub(crate) fn do_integrity_test() {
		assert!(T::MaxEvaluators::get() >= 1, "MaxEvaluators must be positive");
		let chunks = T::MaxChunks::get();
		assert!((2..=128).contains(&chunks), "MaxChunks ({chunks}) must be 2 to 128");
		assert!(
			T::MaxSubmissions::get() >= 1 && T::MaxWinners::get() >= 1,
			"MaxSubmissions and MaxWinners must be positive"
		);
		assert!(T::MaxDeadlinesPerBlock::get() >= 1, "MaxDeadlinesPerBlock must be positive");
		let min: u32 = T::MinPeriod::get().unique_saturated_into();
		let max: u32 = T::MaxPeriod::get().unique_saturated_into();
		assert!(min >= 1 && min <= max, "need 1 ≤ MinPeriod ≤ MaxPeriod");
		let window: u32 = T::ScoreWindow::get().unique_saturated_into();
		let challenge: u32 = T::MaxChallengePeriod::get().unique_saturated_into();
		assert!(
			window >= 1 && challenge >= min,
			"ScoreWindow must be positive and MaxChallengePeriod at least MinPeriod"
		);
		assert!(T::OffchainEvalCostPerBlock::get() >= 1, "OffchainEvalCostPerBlock must be positive");
		// An offence is reported at the latest when a challenged score is verified: the
		// draw (ScoreWindow), computation, commit and reveal windows, then the challenge
		// window; the verification itself gets the other half of the slash deferral.
		let compute: u32 = Self::compute_blocks(T::MaxEvaluationCost::get()).unique_saturated_into();
		let span = compute.saturating_add(window.saturating_mul(3)).saturating_add(challenge).saturating_add(2);
		assert!(
			span <= T::Workers::longest_offence_window(),
			"an evaluation can last {span} blocks, past the registry's longest offence window: lower MaxEvaluationCost"
		);
		// Clearing an evaluator a challenge proves right must come before its slash applies.
		assert!(
			challenge.saturating_mul(2) <= T::Workers::slash_defer_duration(),
			"MaxChallengePeriod ({challenge}) must be at most half the registry's slash deferral"
		);
		// A verification step of the costliest model on the largest chunk must fit half a block.
		let block = <T as frame_system::Config>::BlockWeights::get().max_block;
		let half = Weight::from_parts(block.ref_time() / 2, block.proof_size() / 2);
		let step = Self::max_verify_weight();
		assert!(step.all_lte(half), "a verification step ({step:?}) exceeds half a block: lower MaxVerifyCost");
		assert!(
			T::MaxVerifyCost::get() <= T::MaxEvaluationCost::get(),
			"MaxVerifyCost must not exceed MaxEvaluationCost"
		);
		// An off-chain scoring step (the costliest model on the largest chunk, both read) must
		// fit half of an evaluator's budget, so every block gets half a budget of work done
		// (`compute_blocks`).
		let step = T::MaxVerifyCost::get()
			.saturating_add(u64::from(T::Models::bounds().max_blob_len))
			.saturating_add(u64::from(T::DatasetBounds::get().max_blob_len));
		assert!(
			step <= T::OffchainEvalCostPerBlock::get() / 2,
			"a scoring step ({step} cost units with its blobs) exceeds half of OffchainEvalCostPerBlock"
		);
	}

	/// Checks that the pallet's storage is consistent with itself and with the holds.
	/// Compiled in std builds too (not only with `try-runtime`): the runtime's call-sequence fuzzer
	/// runs it after every block without rebuilding the SDK with another feature set.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::{ensure, traits::fungible::InspectHold};
		use sp_runtime::traits::{Saturating, Zero};

		DeadlinesOf::<T>::check()?;
		if let Some(p) = EvaluationParams::<T>::get() {
			ensure!(Self::valid_parameters(&p), "stored evaluation parameters are invalid");
		}
		VerifyQueueOf::<T>::check()?;
		let next = NextBountyId::<T>::get();
		let mut held: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: u8, amount: BalanceOf<T>| {
			let entry = held.entry((who.clone(), reason)).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(amount);
		};
		for (id, bounty) in Bounties::<T>::iter() {
			ensure!(id < next, "bounty id not below NextBountyId");
			ensure!(
				Deadlines::<T>::contains_key(bounty.deadline, id) || bounty.deadline < DeadlineState::<T>::get().next,
				"bounty deadline not in the calendar"
			);
			ensure!(
				!bounty.phase.is_over() || (bounty.escrow.is_zero() && bounty.deposit.is_zero()),
				"funds held for a bounty that ended"
			);
			ensure!(
				bounty.evaluation.is_none_or(|p| Self::valid_parameters(&p)),
				"a bounty's evaluation parameters are invalid"
			);
			add(&bounty.requester, 0, bounty.escrow);
			add(&bounty.requester, 1, bounty.deposit);
			ensure!(
				Chunks::<T>::iter_key_prefix(id).count() as u32 == bounty.chunks,
				"chunk count differs from the stored chunks"
			);
			let mut count = 0u32;
			let mut revealed = 0u32;
			for (index, s) in Submissions::<T>::iter_prefix(id) {
				ensure!(index < bounty.next_submission, "submission index not below next_submission");
				count = count.saturating_add(1);
				if s.model.is_some() {
					revealed = revealed.saturating_add(1);
				}
				add(&s.trainer, 2, s.stake);
			}
			ensure!(count == bounty.submissions, "submission count differs from the stored submissions");
			ensure!(revealed == bounty.revealed, "revealed count differs from the stored models");
			if bounty.phase == Phase::Evaluation {
				let evaluation = Evaluations::<T>::get(id).ok_or("evaluating bounty without an evaluation")?;
				for w in evaluation.evaluators.iter() {
					ensure!(Evaluating::<T>::get(w) == Some(id), "evaluator not marked as evaluating");
				}
			}
		}
		for (w, id) in Evaluating::<T>::iter() {
			let bounty = Bounties::<T>::get(id).ok_or("evaluating a removed bounty")?;
			ensure!(bounty.phase == Phase::Evaluation, "evaluating a bounty past its evaluation");
			let evaluation = Evaluations::<T>::get(id).ok_or("evaluating without an evaluation")?;
			ensure!(evaluation.evaluators.contains(&w), "evaluating a bounty it was not drawn for");
		}
		let queued: alloc::vec::Vec<(BountyId, SubmissionIndex)> = VerifyQueueOf::<T>::entries().collect();
		for (id, index, _) in Verifications::<T>::iter() {
			ensure!(queued.contains(&(id, index)), "verification missing from the queue");
		}
		let reasons = [HoldReason::Escrow, HoldReason::RequesterDeposit, HoldReason::TrainerStake];
		for ((who, reason), amount) in held.iter() {
			let reason = reasons.get(*reason as usize).ok_or("unknown reason")?;
			ensure!(
				T::Currency::balance_on_hold(&(*reason).into(), who) == *amount,
				"held funds differ from the bounties' records"
			);
		}
		Ok(())
	}
}
